#include <stdio.h>
#include <string.h>

#include "prepay/prepay.h"
#include "prepay/srv.h"

/* SR 2.1: its values read into one form and held to safe_prepay. */
static int
read_prepay(xmlNodePtr body, struct srv_read *out, struct solr_err *e)
{
	struct prepay pp;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = prepay_from_xml(body, &pp, e)) != 0)
		return r;
	if ((out->values = prepay_to_yaml(&pp)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	out->device_type = pp.fuel == FUEL_GAS ? "GSME" : "ESME";
	out->what = pp.fuel == FUEL_GAS ? "a gas prepayment configuration "
	    "(UpdatePrepayConfigGas)" : "an electricity prepayment "
	    "configuration (UpdatePrepayConfigElectricity)";
	return 0;
}

static int
rule_safe(const struct safe_policy *sp, const struct ynode *values,
    int64_t at, struct solr_err *e)
{
	struct prepay pp;
	int r;

	if ((r = prepay_from_yaml(values, &pp, e)) != 0)
		return r;
	return safe_check(sp, &pp, at, e);
}

static const struct srv_gbcs prepay_gbcs[] = {
	{ 0x00DE, "ECS08a", "ESME", NULL },
	{ 0x006F, "GCS05", "GSME", NULL },
	{ 0x001F, "ECS08", "ESME", "message code 0x001F is the legacy ECS08; "
	    "SR 2.1 for electricity is ECS08a (0x00DE)" },
};

const struct srv_row srv_update_prepay = {
	.srv = "2.1",
	.name = "Update Prepay Configuration",
	.element = "UpdatePrepayConfiguration",
	.values_key = "prepay",
	.xml_read = read_prepay,
	.gbcs = prepay_gbcs,
	.ngbcs = sizeof(prepay_gbcs) / sizeof(prepay_gbcs[0]),
	.rule = rule_safe,
};

const struct srv_row *
srv_row(const char *srv)
{
	size_t i;

	for (i = 0; srv != NULL && srv_rows[i] != NULL; i++)
		if (strcmp(srv_rows[i]->srv, srv) == 0)
			return srv_rows[i];
	return NULL;
}

const struct srv_gbcs *
srv_gbcs_of(const struct srv_row *r, uint16_t code)
{
	size_t i;

	for (i = 0; r != NULL && i < r->ngbcs; i++)
		if (r->gbcs[i].code == code)
			return &r->gbcs[i];
	return NULL;
}

const struct srv_row *
srv_row_by_gbcs(uint16_t code)
{
	size_t i;

	for (i = 0; srv_rows[i] != NULL; i++)
		if (srv_gbcs_of(srv_rows[i], code) != NULL)
			return srv_rows[i];
	return NULL;
}

const char *
srv_row_unfit(const struct srv_row *r)
{
	if (r->not_inspected && (r->xml_read != NULL || r->rule != NULL))
		return "its row says its content is not inspected, and has a "
		    "reader or a rule";
	if (r->not_inspected)
		return NULL;
	if (r->rule == NULL)
		return "its row neither has a rule nor says its content is "
		    "not inspected";
	if (r->values_key == NULL || (r->xml_read == NULL && r->ngbcs == 0))
		return "its row has a rule and no reader of its values";
	return NULL;
}

const char *
srv_label(const struct srv_row *r, char *buf, size_t cap)
{
	if (r->name != NULL)
		snprintf(buf, cap, "SRV %s (%s)", r->srv, r->name);
	else
		snprintf(buf, cap, "SRV %s", r->srv);
	return buf;
}
