/* The safe prepayment profile (policy.yaml safe_prepay) and the check of
 * the non-disablement calendar. */
#ifndef SOLR_SAFE_H
#define SOLR_SAFE_H

#include <stdint.h>

#include "base/err.h"
#include "prepay/prepay.h"
#include "base/ytree.h"

/* one rule for each value of SR 2.1 */
#define SAFE_MAX_RULES PP_MAX_FIELDS

struct safe_rule {
	const struct pp_field *field;
	int has_eq, has_min, has_max;
	int64_t eq, min, max;
	const struct pp_field *gt_field;	/* NULL when absent */
};

struct safe_profile {
	int defined;
	struct safe_rule rule[SAFE_MAX_RULES];
	int nrules;
	int calendar_pos;	/* where NonDisablementCalendar stands */
};

struct safe_policy {
	struct safe_profile fuel[3];	/* indexed by FUEL_ELEC, FUEL_GAS */
	int allow_future_activation;
	int horizon_days;
};

/* Reads safe_prepay, allow_future_activation and calendar_horizon_days
 * from policy.yaml's tree; each fuel's profile has a rule for every field
 * a request of that fuel may carry, optional or not, and no other. */
int safe_policy_load(const struct ynode *policy, const char *file,
    struct safe_policy *sp, struct solr_err *e);

/* 0 when pp is safe at time now (the activation of an immediate
 * request); otherwise SOLR_ERR_VERIFY and a reason naming the field, its
 * value and the rule. */
int safe_check(const struct safe_policy *sp, const struct prepay *pp,
    int64_t now, struct solr_err *e);

/* 0 when non-disablement is active from from for days days; otherwise
 * SOLR_ERR_VERIFY, *end the first instant it is not, and why. */
int calendar_never_ends(const struct prepay *pp, int64_t from, int days,
    int64_t *end, char *why, size_t cap);

#endif
