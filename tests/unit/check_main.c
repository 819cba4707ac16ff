#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prepay/prepay.h"
#include "base/util.h"
#include "base/ytree.h"
#include "unit.h"
#include "base/ywrite.h"

/* n as one document (explicit "---") through libyaml's emitter: the
 * reference yn_write_doc is held to (check_ywrite.c). */

static int
emit(yaml_emitter_t *em, const struct ynode *n)
{
	yaml_event_t ev;
	size_t i;
	int ok;

	switch (n->kind) {
	case YN_SCALAR: {
		int q = n->quoted && yn_looks_typed(n->str);

		ok = yaml_scalar_event_initialize(&ev, NULL, NULL,
		    (yaml_char_t *)n->str, (int)n->len, !q, 1,
		    q ? YAML_SINGLE_QUOTED_SCALAR_STYLE :
		    YAML_PLAIN_SCALAR_STYLE);
		if (!ok || !yaml_emitter_emit(em, &ev))
			return SOLR_ERR_IO;
		return 0;
	}
	case YN_SEQ:
		ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		    n->flow ? YAML_FLOW_SEQUENCE_STYLE :
		    YAML_BLOCK_SEQUENCE_STYLE);
		break;
	case YN_MAP:
		ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		    n->flow ? YAML_FLOW_MAPPING_STYLE :
		    YAML_BLOCK_MAPPING_STYLE);
		break;
	default:
		return SOLR_ERR_INTERNAL;
	}
	if (!ok || !yaml_emitter_emit(em, &ev))
		return SOLR_ERR_IO;
	for (i = 0; i < n->n; i++)
		if (emit(em, n->items[i]) != 0)
			return SOLR_ERR_IO;
	if (n->kind == YN_SEQ)
		ok = yaml_sequence_end_event_initialize(&ev);
	else
		ok = yaml_mapping_end_event_initialize(&ev);
	if (!ok || !yaml_emitter_emit(em, &ev))
		return SOLR_ERR_IO;
	return 0;
}

int
unit_emit_doc(yaml_emitter_t *em, const struct ynode *n)
{
	yaml_event_t ev;

	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0) ||
	    !yaml_emitter_emit(em, &ev))
		return SOLR_ERR_IO;
	if (emit(em, n) != 0)
		return SOLR_ERR_IO;
	if (!yaml_document_end_event_initialize(&ev, 1) ||
	    !yaml_emitter_emit(em, &ev))
		return SOLR_ERR_IO;
	return 0;
}

const char *
vectors_dir(void)
{
	const char *v = getenv("SOLR_VECTORS");
	struct stat st;
	char p[4096];

	if (v == NULL)
		v = "../shared/vectors";
	snprintf(p, sizeof(p), "%s/duis", v);
	return stat(p, &st) == 0 ? v : NULL;
}

const char *
world_dir(void)
{
	const char *w = getenv("SOLR_WORLD_DIR");
	struct stat st;
	char p[4096];

	if (w == NULL)
		return NULL;
	snprintf(p, sizeof(p), "%s/policy.yaml", w);
	return stat(p, &st) == 0 ? w : NULL;
}

unsigned char *
slurp(const char *path, size_t *len)
{
	struct solr_buf b = { 0 };
	struct solr_err e;

	ck_assert_msg(solr_read_file(path, 64 << 20, &b, &e) == 0,
	    "cannot read %s: %s", path, e.msg);
	*len = b.len;
	return b.p;
}

unsigned char *
slurp_one_form(const char *path, size_t *len)
{
	unsigned char *x = slurp(path, len), *p, *q;
	size_t n = *len;

	/* "Specified...>0D<" to "Specified...>D<", in place */
	for (p = x; (q = memmem(p, n - (size_t)(p - x), ">0", 2)) != NULL;
	    p = q + 1) {
		if ((size_t)(q - x) + 3 >= n || q[2] < '1' || q[2] > '9' ||
		    q[3] != '<' || q - x < 24 || memmem(q - 24, 24,
		    "Specified", 9) == NULL)
			continue;
		memmove(q + 1, q + 2, n - (size_t)(q + 2 - x));
		n--;
	}
	*len = n;
	return x;
}

void
unit_skip(const char *test, const char *why)
{
	const char *req = getenv("SOLR_REQUIRE_VECTORS"), *log;
	FILE *f;

	if (req != NULL && strcmp(req, "1") == 0)
		ck_abort_msg("%s: %s, and SOLR_REQUIRE_VECTORS=1", test, why);
	printf("check_unit: SKIP %s: %s\n", test, why);
	fflush(stdout);
	/* the tests run in child processes: the count goes through a file */
	if ((log = getenv("SOLR_UNIT_SKIPS")) != NULL &&
	    (f = fopen(log, "a")) != NULL) {
		fprintf(f, "%s\n", test);
		fclose(f);
	}
}

/* The safe prepayment profile scripts/mk-world writes. */
const char unit_safe_prepay[] =
    "safe_prepay:\n"
    "  electricity:\n"
    "    EmergencyCreditLimit: {min: 1000000}\n"
    "    EmergencyCreditThreshold: {min: 500000}\n"
    "    LowCreditThreshold: {min: 0}\n"
    "    MaxCreditThreshold: {eq: 9000000}\n"
    "    MaxMeterBalance: {gt_field: MaxCreditThreshold}\n"
    "    DebtRecoveryRateCap: {eq: 0}\n"
    "    DebtRecoveryRateCapPeriod: {min: 0}\n"
    "    NonDisablementCalendar: never_ends\n"
    "  gas:\n"
    "    EmergencyCreditLimit: {min: 1000000}\n"
    "    EmergencyCreditThreshold: {min: 500000}\n"
    "    LowCreditThreshold: {min: 0}\n"
    "    MaxCreditThreshold: {eq: 9000000}\n"
    "    MaxMeterBalance: {gt_field: MaxCreditThreshold}\n"
    "    DebtRecoveryRateCap: {eq: 0}\n"
    "    NonDisablementCalendar: never_ends\n";

void
unit_safe_policy(char *buf, size_t cap, const char *fuel, const char *field,
    const char *rule)
{
	const char *sect, *line, *end;
	char key[80];
	size_t at;

	ck_assert_uint_lt(strlen(unit_safe_prepay), cap);
	strcpy(buf, unit_safe_prepay);
	if (fuel == NULL)
		return;
	snprintf(key, sizeof(key), "\n    %s: ", field);
	ck_assert_ptr_nonnull(sect = strstr(unit_safe_prepay, fuel));
	ck_assert_ptr_nonnull(line = strstr(sect, key));
	end = strchr(line + 1, '\n');
	at = (size_t)(line - unit_safe_prepay);
	if (rule != NULL)
		snprintf(buf + at, cap - at, "%s%s%s", key, rule, end);
	else
		snprintf(buf + at, cap - at, "%s", end);
}

int64_t *
unit_pp(struct prepay *pp, const char *field)
{
	const struct pp_field *f = pp_field_named(field);

	ck_assert_msg(f != NULL, "no field %s", field);
	pp->present |= 1u << (f - pp_fields);
	return pp_field_ptr(pp, f);
}

void
unit_safe_elec(struct prepay *pp)
{
	memset(pp, 0, sizeof(*pp));
	pp->fuel = FUEL_ELEC;
	*unit_pp(pp, "EmergencyCreditLimit") = 1000000;
	*unit_pp(pp, "EmergencyCreditThreshold") = 500000;
	*unit_pp(pp, "LowCreditThreshold") = 200000;
	*unit_pp(pp, "MaxMeterBalance") = 10000000;
	*unit_pp(pp, "MaxCreditThreshold") = 9000000;
	*unit_pp(pp, "DebtRecoveryRateCap") = 0;
	pp->nschedule = 1;
	pp->schedule[0] = (struct pp_schedule){ 1, 1, 0, 0, 0, 0, 0x7f, 0,
	    { 2026, 3, 2, PP_ANY }, { PP_ANY, 12, 31, PP_ANY } };
}

/*
 * A Check case with its own time limit, in seconds of wall time: each
 * case's is fitted to its slowest test under the slowest build CI makes
 * (ASan), with a margin of thirty times or more for a loaded machine.
 * Check's default (4 s) is no limit for any of them.
 */
TCase *
unit_tcase(const char *name, double seconds)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, seconds);
	return tc;
}

/* How many tests skipped (lines in the skip log). */
static int
skipped(const char *log)
{
	FILE *f = fopen(log, "r");
	int c, n = 0;

	if (f == NULL)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int
emit_handler(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

char *
yaml_str(const struct ynode *n)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert(yaml_emitter_initialize(&em));
	yaml_emitter_set_output(&em, emit_handler, f);
	yaml_emitter_set_width(&em, -1);
	ck_assert(yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	ck_assert(yaml_emitter_emit(&em, &ev));
	ck_assert_int_eq(unit_emit_doc(&em, n), 0);
	ck_assert(yaml_stream_end_event_initialize(&ev));
	ck_assert(yaml_emitter_emit(&em, &ev));
	yaml_emitter_delete(&em);
	fclose(f);
	return p;
}

int
main(void)
{
	SRunner *sr;
	char log[] = "/tmp/check_unit.skips.XXXXXX";
	int failed, fd, nskip;

	if ((fd = mkstemp(log)) < 0) {
		perror("check_unit: mkstemp");
		return EXIT_FAILURE;
	}
	close(fd);
	setenv("SOLR_UNIT_SKIPS", log, 1);

	if (vectors_dir() == NULL)
		printf("check_unit: SKIP vector tests: ../shared/vectors is "
		    "absent (set SOLR_VECTORS)\n");
	if (world_dir() == NULL)
		printf("check_unit: SKIP world tests: no world from "
		    "scripts/mk-world (set SOLR_WORLD_DIR)\n");
	sr = srunner_create(util_suite());
	srunner_add_suite(sr, ytree_suite());
	srunner_add_suite(sr, record_suite());
	srunner_add_suite(sr, objstore_suite());
	srunner_add_suite(sr, xmlsig_suite());
	srunner_add_suite(sr, world_suite());
	srunner_add_suite(sr, gbcs_suite());
	srunner_add_suite(sr, safe_suite());
	srunner_add_suite(sr, ledger_suite());
	srunner_add_suite(sr, duis_suite());
	srunner_add_suite(sr, adt_suite());
	srunner_add_suite(sr, fslist_suite());
	srunner_add_suite(sr, sat_suite());
	srunner_add_suite(sr, prepay_suite());
	srunner_add_suite(sr, stage_suite());
	srunner_add_suite(sr, ywrite_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nskip = skipped(log);
	unlink(log);
	printf("check_unit: %d test%s skipped\n", nskip, nskip == 1 ? "" :
	    "s");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
