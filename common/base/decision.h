/* What a check decides about one record: a verdict, the DUIS response
 * code (or DCC alert) that goes with it, and one sentence saying which
 * field, which value and which rule.  Every decision in common/ returns
 * one of these and does no I/O; the stage driver writes it into the
 * record. */
#ifndef SOLR_DECISION_H
#define SOLR_DECISION_H

/* DUIS response codes and DCC alerts, named once. */
enum duis_code {
	DUIS_NONE = 0,		/* no DUIS rule decided: no response is sent */
	DUIS_I0,		/* the request is held: a DCC alert says why */
	DUIS_I99,		/* accepted */
	DUIS_E1,		/* the sender is not a DCC user */
	DUIS_E2,		/* not allowed for the role (and check A/B before E020101) */
	DUIS_E3,		/* the sender is suspended */
	DUIS_E11,		/* Service Reference against the device type */
	DUIS_E12,		/* CommandVariant against the body */
	DUIS_E19,		/* the device does not exist */
	DUIS_E65,		/* signature or identity */
	DUIS_E020101,		/* check A/B of SECMP0134B */
	DUIS_S1VE2,		/* SMETS1 SP: role and SRV */
	DUIS_S1VE3,		/* SMETS1 SP: suspended */
	DUIS_S1VE100,		/* SMETS1 SP: signature */
	DCC_AD1,		/* DCC alert: anomaly detection quarantine */
	DUIS_NCODES
};

enum verdict {
	VERDICT_PASS,
	VERDICT_SKIPPED,	/* passes: the stage's rules do not apply */
	VERDICT_REJECT,
	VERDICT_QUARANTINE,
};

#define DECISION_REASON_MAX 1200

struct decision {
	enum verdict verdict;
	enum duis_code code;
	char reason[DECISION_REASON_MAX];
};

/* The code's name ("E65"), or NULL for DUIS_NONE. */
const char *duis_code_name(enum duis_code c);
/* DUIS_NONE when s is no code we know. */
enum duis_code duis_code_parse(const char *s);
/* A failure of check A or B of SECMP0134B §4.2.4: E020101 from the
 * policy's first schema version on, E2 for users of an older DUIS. */
enum duis_code duis_content_code(const char *schema_version,
    const char *e020101_from);
/* Is a >= b, both decimal version strings like "5.4"? */
int duis_version_ge(const char *a, const char *b);

void decision_pass(struct decision *d);
void decision_skip(struct decision *d);
/* Sets the verdict, the code and the reason; returns 0. */
int decision_reject(struct decision *d, enum duis_code code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int decision_quarantine(struct decision *d, enum duis_code code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int decision_is_pass(const struct decision *d);

#endif
