/*
 * The SRV table of a test build: make check links the five tools with it
 * into build/srvtest/.  It holds SR 2.1 as shipped, a second SRV, 2.3
 * Update Debt, read and checked by its own row, and a row with no rule,
 * so that tests/regress/t-srv.sh can show that all a stage knows of an
 * SRV comes from its row.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "base/xml.h"
#include "prepay/srv.h"

/* The registers sr:UpdateDebt begins with, in schema order; the debt
 * recoveries after them are not read by this row. */
static const char *const registers[][2] = {
	{ "TimeDebtRegister1", "time_debt_1" },
	{ "TimeDebtRegister2", "time_debt_2" },
	{ "PaymentDebtRegister", "payment_debt" },
};

static int
read_debt(xmlNodePtr body, struct srv_read *out, struct solr_err *e)
{
	xmlNodePtr el = solr_xml_next(body->children);
	uint64_t v;
	char t[32];
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((out->values = yn_new_map(1)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	for (i = 0; i < 3; i++, el = solr_xml_next(el->next)) {
		if (el == NULL || !solr_xml_is_sr(el, registers[i][0]))
			return solr_seterr(e, SOLR_ERR_VERIFY, "SRV 2.3 "
			    "(Update Debt): sr:UpdateDebt lacks sr:%s",
			    registers[i][0]);
		if (solr_xml_text(el, t, sizeof(t), e) != 0 ||
		    solr_parse_uint(t, INT32_MAX, &v) != 0)
			return solr_seterr(e, SOLR_ERR_VERIFY, "SRV 2.3 "
			    "(Update Debt): sr:%s is not a whole number of "
			    "pence", registers[i][0]);
		if (yn_set_int(out->values, registers[i][1], (int64_t)v) != 0)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	out->device_type = "ESME";
	out->what = "a debt update (UpdateDebt)";
	return 0;
}

/* the rule: the payment-based debt is cleared, nothing more */
static int
rule_debt(const struct safe_policy *sp, const struct ynode *values,
    int64_t at, struct solr_err *e)
{
	const char *v = yn_get_str(values, "payment_debt");

	(void)sp;
	(void)at;
	if (v == NULL)
		return solr_seterr(e, SOLR_ERR_FORMAT, "SRV 2.3 (Update Debt): "
		    "the record has no debt: mapping (solr-gbcs-parse must run "
		    "first)");
	if (strcmp(v, "0") != 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "SRV 2.3 (Update Debt): "
		    "PaymentDebtRegister is %s; the rule holds it at 0", v);
	return 0;
}

static const struct srv_row update_debt = {
	.srv = "2.3",
	.name = "Update Debt",
	.element = "UpdateDebt",
	.values_key = "debt",
	.xml_read = read_debt,
	.rule = rule_debt,
};

/* a row that neither has a rule nor says its content is not inspected:
 * a world that lists it does not load */
static const struct srv_row unruled = {
	.srv = "1.1.1",
	.name = "Update Import Tariff (Primary Element)",
	.element = "UpdateImportTariffPrimaryElement",
};

const struct srv_row *const srv_rows[] = {
	&srv_update_prepay,
	&update_debt,
	&unruled,
	NULL,
};
