#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/uri.h>
#include <libxml/xmlschemas.h>

#include "base/guard.h"
#include "base/layout.h"
#include "world/schema.h"
#include "base/util.h"

struct schema_one {
	char version[16];
	char path[PATH_MAX];
	xmlSchemaPtr schema;
	xmlSchemaValidCtxtPtr vc;
	/* the first error of the document being validated */
	char err[512];
	int errline;
	int nerr;
};

void
duis_schemas_init(struct duis_schemas *s, const char *world)
{
	memset(s, 0, sizeof(*s));
	s->world = world;
}

static void
one_free(struct schema_one *o)
{
	if (o == NULL)
		return;
	if (o->vc)
		xmlSchemaFreeValidCtxt(o->vc);
	if (o->schema)
		xmlSchemaFree(o->schema);
	free(o);
}

void
duis_schemas_free(struct duis_schemas *s)
{
	while (s->n > 0)
		one_free(s->c[--s->n]);
}

int
duis_schema_version(xmlDocPtr doc, char buf[DUIS_VERSION_MAX],
    struct solr_err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlChar *v;
	size_t n;
	int ok;

	buf[0] = '\0';
	if (root == NULL || (v = xmlGetNoNsProp(root,
	    (const xmlChar *)"schemaVersion")) == NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the root has no "
		    "schemaVersion: its DUIS schema is not known");
	n = strlen((const char *)v);
	/* it names a directory of schemas/: digits and single dots only */
	ok = n > 0 && n < DUIS_VERSION_MAX && strspn((const char *)v,
	    "0123456789.") == n && v[0] != '.' && v[n - 1] != '.' &&
	    strstr((const char *)v, "..") == NULL;
	if (ok)
		memcpy(buf, v, n + 1);
	else
		solr_seterr(e, SOLR_ERR_VERIFY, "schemaVersion '%.20s' is not a "
		    "DUIS version (digits and dots, like 5.4)", (const char *)v);
	xmlFree(v);
	return ok ? 0 : SOLR_ERR_VERIFY;
}

/* The first message, one line, with where it was. */
static void
keep_error(void *ctx, xmlErrorPtr err)
{
	struct schema_one *o = ctx;
	char *p;

	if (err == NULL || o->nerr++ > 0)
		return;
	o->errline = err->line;
	snprintf(o->err, sizeof(o->err), "%s", err->message ? err->message :
	    "invalid");
	for (p = o->err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	for (p = o->err + strlen(o->err); p > o->err && p[-1] == ' '; p--)
		p[-1] = '\0';
}

/* The world's files are trusted only when nobody else may change them. */
static int
owner_only(const char *path, struct solr_err *e)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "%s",
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "not a "
		    "regular file");
	if (st.st_mode & 022)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "group or "
		    "others may write it: a schema decides what is refused");
	return 0;
}

/*
 * Every file a schema reads (the schema, and each file it imports or
 * includes) passes the world's check: a local regular file that no one
 * else may write, no symbolic link.  libxml2 reads them through its
 * external entity loader, which is this one while a schema is parsed.
 */
static xmlExternalEntityLoader default_loader;
static struct solr_err *guard_err;

static xmlParserInputPtr
guarded_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	const char *path = url;
	char *local;
	int r;

	if (url != NULL && strncmp(url, "file://", 7) == 0)
		path = url + 7;
	if (path == NULL || strstr(path, "://") != NULL) {
		if (guard_err != NULL && guard_err->code == 0)
			solr_seterr(guard_err, SOLR_ERR_CONFIG, "the schema "
			    "imports '%.200s', which is not a local file",
			    url ? url : "(nothing)");
		return NULL;
	}
	/* libxml2 names a file by URI: "a%20world" is "a world" */
	if ((local = xmlURIUnescapeString(path, 0, NULL)) == NULL) {
		if (guard_err != NULL && guard_err->code == 0)
			solr_seterr(guard_err, SOLR_ERR_NOMEM, "out of memory");
		return NULL;
	}
	r = solr_guard(local, 0, guard_err);
	xmlFree(local);
	if (r != 0)
		return NULL;
	return default_loader(url, id, ctxt);
}

static int
load(struct duis_schemas *s, const char *version, struct schema_one **out,
    struct solr_err *e)
{
	struct schema_one *o;
	struct solr_err ge;
	xmlSchemaParserCtxtPtr pc;
	char dir[PATH_MAX], vdir[PATH_MAX];
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->c[i]->version, version) == 0) {
			*out = s->c[i];
			return 0;
		}
	if (s->n == SCHEMA_CACHE)
		return solr_seterr(e, SOLR_ERR_VERIFY, "more than %d DUIS "
		    "schemaVersions in one run", SCHEMA_CACHE);
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	snprintf(o->version, sizeof(o->version), "%s", version);
	world_schema_path(o->path, sizeof(o->path), s->world, version,
	    "duis.xsd");
	if (access(o->path, F_OK) != 0 && errno == ENOENT) {
		free(o);
		return solr_seterr(e, SOLR_ERR_VERIFY, "no schema is installed "
		    "for DUIS schemaVersion %s (schemas/%s/duis.xsd)", version,
		    version);
	}
	world_path(dir, sizeof(dir), s->world, WF_SCHEMAS);
	world_schema_path(vdir, sizeof(vdir), s->world, version, NULL);
	if (solr_guard(dir, 1, e) != 0 || solr_guard(vdir, 1, e) != 0 ||
	    owner_only(o->path, e) != 0) {
		free(o);
		return SOLR_ERR_CONFIG;
	}
	if ((pc = xmlSchemaNewParserCtxt(o->path)) == NULL) {
		free(o);
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	xmlSchemaSetParserStructuredErrors(pc, keep_error, o);
	memset(&ge, 0, sizeof(ge));
	guard_err = &ge;
	default_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(guarded_loader);
	o->schema = xmlSchemaParse(pc);
	xmlSetExternalEntityLoader(default_loader);
	guard_err = NULL;
	xmlSchemaFreeParserCtxt(pc);
	if (ge.code != 0) {
		/* a file it reads is not the owner's alone: refused */
		if (o->schema != NULL)
			xmlSchemaFree(o->schema);
		free(o);
		*e = ge;
		return SOLR_ERR_CONFIG;
	}
	if (o->schema == NULL || (o->vc = xmlSchemaNewValidCtxt(o->schema)) ==
	    NULL) {
		solr_seterr_at(e, SOLR_ERR_CONFIG, o->path, o->errline, "the "
		    "schema does not parse: %s", o->err[0] ? o->err : "(no "
		    "message)");
		one_free(o);
		return SOLR_ERR_CONFIG;
	}
	xmlSchemaSetValidStructuredErrors(o->vc, keep_error, o);
	s->c[s->n++] = o;
	*out = o;
	return 0;
}

int
duis_schema_validate(struct duis_schemas *s, xmlDocPtr doc,
    struct solr_err *e)
{
	struct schema_one *o = NULL;
	char v[DUIS_VERSION_MAX];
	int r;

	if ((r = duis_schema_version(doc, v, e)) != 0)
		return r;
	if ((r = load(s, v, &o, e)) != 0)
		return r;
	o->nerr = 0;
	o->err[0] = '\0';
	if ((r = xmlSchemaValidateDoc(o->vc, doc)) == 0)
		return 0;
	if (r < 0)
		return solr_seterr_at(e, SOLR_ERR_INTERNAL, o->path, 0, "the "
		    "schema validation could not run");
	return solr_seterr(e, SOLR_ERR_VERIFY, "the document is not valid "
	    "DUIS %s: line %d: %s", v, o->errline, o->err[0] ? o->err :
	    "invalid");
}
