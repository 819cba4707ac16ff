#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "base/util.h"
#include "duis/xmlsig.h"
#include "unit.h"

static int
collect(void *ctx, const unsigned char *p, size_t n)
{
	return solr_buf_add(ctx, p, n);
}

/* Reproduces the exact canonical bytes of a vector document: the
 * inclusive C14N of the signed content and the exclusive C14N of
 * SignedInfo. */
static void
check_c14n(const char *doc, int response, const char *content,
    const char *signed_info)
{
	const char *v = vectors_dir();
	char path[4096];
	unsigned char *p, *want;
	size_t n, wn;
	xmlDocPtr d;
	struct xmlsig s;
	struct solr_err e;
	struct solr_buf got = { 0 };

	if (v == NULL)
		UNIT_SKIP("the DUIS vectors are absent");
	snprintf(path, sizeof(path), "%s/duis/%s", v, doc);
	p = slurp(path, &n);
	ck_assert_int_eq(solr_xml_parse(p, n, &d, &e), 0);
	ck_assert_msg(xmlsig_check_profile(d, response, &s, &e) == 0, "%s: %s",
	    doc, e.msg);
	ck_assert_int_eq(xmlsig_c14n_content(d, s.sig, collect, &got), 0);
	snprintf(path, sizeof(path), "%s/duis/%s", v, content);
	want = slurp(path, &wn);
	ck_assert_uint_eq(got.len, wn);
	ck_assert_mem_eq(got.p, want, wn);
	free(want);
	got.len = 0;
	ck_assert_int_eq(xmlsig_c14n_signed_info(d, s.signed_info, collect,
	    &got), 0);
	snprintf(path, sizeof(path), "%s/duis/%s", v, signed_info);
	want = slurp(path, &wn);
	ck_assert_uint_eq(got.len, wn);
	ck_assert_mem_eq(got.p, want, wn);
	/* canonicalising left the document as it was */
	ck_assert(xmlDocGetRootElement(d)->last == s.sig);
	free(want);
	solr_buf_free(&got);
	xmlFreeDoc(d);
	free(p);
}

static const char *const signed_vectors[] = {
	"spc-elec.cv5.srp", "spc-elec.cv5.supplier", "spc-gas.cv5.srp",
	"spc-gas.cv5.supplier", "sr2.1-elec.cv4.srp", "sr2.1-elec.cv4.supplier",
	"sr2.1-gas.cv4.srp", "sr2.1-gas.cv4.supplier",
};

START_TEST(c14n_signed_vectors)
{
	char doc[256], c[256], si[256];
	const char *b = signed_vectors[_i];

	snprintf(doc, sizeof(doc), "signed/%s.compact.xmlsec.xml", b);
	snprintf(c, sizeof(c), "signed/%s.compact.xmlsec.signed-content.c14n",
	    b);
	snprintf(si, sizeof(si),
	    "signed/%s.compact.xmlsec.signedinfo.exc-c14n", b);
	check_c14n(doc, 0, c, si);
}
END_TEST

START_TEST(c14n_dcc_response)
{
	check_c14n("samples/signing-tool/readfw-response.xml", 1,
	    "canonical/readfw-response.predigest.inclusive-c14n",
	    "canonical/readfw-response.presign.signedinfo.exc-c14n");
}
END_TEST

START_TEST(names_compare_as_names)
{
	struct solr_err e;
	X509_NAME *a, *b, *c;
	char s[256];

	a = solr_name_parse("CN=Z1,OU=07", &e);
	b = solr_name_parse(" cn = Z1 , ou=07 ", &e);
	c = solr_name_parse("OU=07,CN=Z1", &e);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(X509_NAME_cmp(a, b), 0);
	ck_assert_int_ne(X509_NAME_cmp(a, c), 0);	/* RDN order matters */
	solr_name_format(a, s, sizeof(s));
	ck_assert_str_eq(s, "CN=Z1,OU=07");
	X509_NAME_free(a);
	X509_NAME_free(b);
	X509_NAME_free(c);
	/* escapes, and a multi-valued RDN whose members may come in any
	 * order */
	a = solr_name_parse("CN=A\\,B+UID=x,O=\\4F", &e);
	b = solr_name_parse("UID=x+CN=A\\,B,O=O", &e);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(X509_NAME_cmp(a, b), 0);
	X509_NAME_free(a);
	X509_NAME_free(b);
	ck_assert_ptr_null(solr_name_parse("CN", &e));
	ck_assert_ptr_null(solr_name_parse("XX=1", &e));
	ck_assert_ptr_null(solr_name_parse("CN=#0403", &e));
	ck_assert_ptr_null(solr_name_parse("CN=a\\", &e));
}
END_TEST

static const char *const bad_docs[][2] = {
	{ "<r/>", "root element" },
	{ "<!DOCTYPE x><sr:Request xmlns:sr=\"" SOLR_NS_SR "\"/>", "DOCTYPE" },
	{ "<sr:Request xmlns:sr=\"" SOLR_NS_SR "\"/>", "schemaVersion" },
	{ "<sr:Request xmlns:sr=\"" SOLR_NS_SR "\" schemaVersion=\"5.4\"/>",
	    "0 ds:Signature" },
	{ "<sr:Request xmlns:sr=\"" SOLR_NS_SR "\" schemaVersion=\"5.4\">"
	    "<sr:Signature/></sr:Request>", "not XML-DSig" },
	{ "<sr:Request xmlns:sr=\"" SOLR_NS_SR "\" schemaVersion=\"5.4\">"
	    "<?pi x?></sr:Request>", "processing instruction" },
	{ "<sr:Request xmlns:sr=\"" SOLR_NS_SR "\" schemaVersion=\"5.4\">"
	    "<ds:Signature xmlns:ds=\"" SOLR_NS_DS "\"/><sr:Body/></sr:Request>",
	    "not the last child" },
	{ "<sr:Request xmlns:sr=\"" SOLR_NS_SR "\" schemaVersion=\"5.4\">"
	    "<ds:Signature xmlns:ds=\"" SOLR_NS_DS "\" Id=\"x\"/></sr:Request>",
	    "attribute Id" },
	{ "<sr:Request xmlns:sr=\"" SOLR_NS_SR "\" schemaVersion=\"5.4\">"
	    "<ds:Signature xmlns:ds=\"" SOLR_NS_DS "\"/></sr:Request>",
	    "lacks the child ds:SignedInfo" },
	{ "<sr:Request", "not well-formed" },
};

START_TEST(profile_rejects)
{
	xmlDocPtr d = NULL;
	struct xmlsig s;
	struct solr_err e;
	const char *x = bad_docs[_i][0];
	int r;

	r = solr_xml_parse((const unsigned char *)x, strlen(x), &d, &e);
	if (r == 0)
		r = xmlsig_check_profile(d, 0, &s, &e);
	ck_assert_int_eq(r, SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, bad_docs[_i][1]) != NULL, "'%s' lacks '%s'",
	    e.msg, bad_docs[_i][1]);
	xmlFreeDoc(d);
}
END_TEST

Suite *
xmlsig_suite(void)
{
	Suite *s = suite_create("xmlsig");
	TCase *tc = unit_tcase("core", 30);

	tcase_add_loop_test(tc, c14n_signed_vectors, 0,
	    sizeof(signed_vectors) / sizeof(signed_vectors[0]));
	tcase_add_test(tc, c14n_dcc_response);
	tcase_add_test(tc, names_compare_as_names);
	tcase_add_loop_test(tc, profile_rejects, 0,
	    sizeof(bad_docs) / sizeof(bad_docs[0]));
	suite_add_tcase(s, tc);
	return s;
}
