#include <string.h>

#include "prepay/srv.h"

const struct srv_rule srv_rules[] = {
	{ "2.1", "Update Prepay Configuration", "update-prepay-configuration",
	    "UpdatePrepayConfiguration", 1 },
};
const int srv_nrules = sizeof(srv_rules) / sizeof(srv_rules[0]);

const struct srv_rule *
srv_rule(const char *srv)
{
	int i;

	for (i = 0; srv != NULL && i < srv_nrules; i++)
		if (strcmp(srv_rules[i].srv, srv) == 0)
			return &srv_rules[i];
	return NULL;
}
