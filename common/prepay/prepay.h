/*
 * Layer prepay: may use base, store.  The SR 2.1 values in one form, the
 * field table, and the safe prepayment profile's rules.
 *
 * SR 2.1 "Update Prepay Configuration" in one normalised form, whether it
 * came from a GBCS Signed Pre-Command or from a DUIS XML body.
 */
#ifndef SOLR_PREPAY_H
#define SOLR_PREPAY_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "base/err.h"
#include "base/ytree.h"

enum { FUEL_ELEC = 1, FUEL_GAS = 2 };
enum { ACT_IMMEDIATE, ACT_AT, ACT_CANCEL };

/* DUIS maxima */
#define PP_ELEC_SPECIAL_MAX 20
#define PP_SCHEDULE_MAX 22
#define PP_DAY_PROFILES_MAX 5
#define PP_ACTIONS_MAX 3
#define PP_WEEKS_MAX 2
#define PP_SEASONS_MAX 3
#define PP_GAS_SPECIAL_MAX 20

#define PP_MAX_FIELDS 16	/* the rows the field table may have */

#define PP_ANY (-1)		/* a date field not specified */
#define PP_LAST_DAY (-2)
#define PP_SECOND_LAST_DAY (-3)

struct pp_date {
	int year, month, day, weekday;	/* PP_ANY where not specified */
};

struct pp_special_day {
	int index;
	struct pp_date date;
};

struct pp_schedule {
	int index;
	int start;		/* 1 START, 0 STOP */
	int hh, mm, ss, cs;
	unsigned weekdays;	/* bit 0 Monday ... bit 6 Sunday */
	uint32_t special_days;	/* bit i: special day index i+1 */
	struct pp_date begin, end;
};

struct pp_action {
	int minutes;		/* after midnight */
	int start;
};

struct pp_day_profile {
	int id;
	int nactions;
	struct pp_action action[PP_ACTIONS_MAX];
};

struct pp_week {
	int id;
	int day[7];		/* Monday .. Sunday */
};

struct pp_season {
	struct pp_date start;
	int week;
};

struct pp_gas_special {
	struct pp_date date;
	int day;
};

struct prepay {
	int fuel;
	const char *source;	/* "gbcs" or "xml" */
	/* the values of the field table, by row (pp_value, pp_set) */
	int64_t value[PP_MAX_FIELDS];
	unsigned present;	/* bit i: the request carries row i */
	int activation;
	int64_t activation_time;
	/* electricity */
	int nspecial;
	struct pp_special_day special[PP_ELEC_SPECIAL_MAX];
	int nschedule;
	struct pp_schedule schedule[PP_SCHEDULE_MAX];
	/* gas */
	int nday_profiles;
	struct pp_day_profile day_profile[PP_DAY_PROFILES_MAX];
	int nweeks;
	struct pp_week week[PP_WEEKS_MAX];
	int nseasons;
	struct pp_season season[PP_SEASONS_MAX];
	int ngas_special;
	struct pp_gas_special gas_special[PP_GAS_SPECIAL_MAX];
};

/* One value of SR 2.1, one row: the table that drives the DUIS body's
 * reading, ECS08a's and GCS05's decoding, the record's prepay: mapping
 * and the safe profile's rules.  A value the forms carry is one row. */
struct pp_dlms {
	int item;		/* its data item in ECS08a (0-17); -1: none */
	unsigned class_id;	/* the attribute the item SETs */
	unsigned char obis[6];
	unsigned attr;
	int is_unsigned;	/* long-unsigned (16 bits); else double-long */
	const char *name;	/* in the field list and reasons */
};
struct pp_zcl {
	int command;		/* its GCS05 prepayment command (0-3); -1: none */
	int slot;		/* its place among that command's values */
	int is_signed;
	const char *name;
};
struct pp_field {
	const char *name;	/* the YAML key, the policy key, sr:<name> */
	int optional;		/* a request may lack it; else every form that
				 * carries it carries it always */
	int xml_pos;		/* its place in the DUIS body's order (from 1,
				 * the calendar's place pp_xml_calendar among
				 * them); 0: not in it */
	struct pp_dlms dlms;	/* electricity */
	struct pp_zcl zcl;	/* gas */
	int64_t elec_min, elec_max, gas_min, gas_max;	/* the DUIS range */
};
extern const struct pp_field pp_fields[];
extern const int pp_nfields;	/* at most PP_MAX_FIELDS */
extern const int pp_xml_calendar;	/* the calendar's place in the body */
const struct pp_field *pp_field_named(const char *name);
/* Whether a request of fuel (FUEL_*) carries f in some form. */
int pp_field_carried(const struct pp_field *f, int fuel);
/* Where f's value lives in pp. */
int64_t *pp_field_ptr(struct prepay *pp, const struct pp_field *f);
/* The value of f in pp: 0, or -1 when the request does not carry it. */
int pp_value(const struct prepay *pp, const struct pp_field *f, int64_t *v);
/* Sets f's value in pp, and that the request carries it. */
void pp_set(struct prepay *pp, const struct pp_field *f, int64_t v);
/* The field ECS08a's data item (0-17) carries, or NULL. */
const struct pp_field *pp_field_dlms(int item);
/* The field in value slot of GCS05's prepayment command, or NULL. */
const struct pp_field *pp_field_zcl(int command, int slot);

/* Reads sr:UpdatePrepayConfiguration (node) strictly, in schema order.
 * SOLR_ERR_VERIFY with the element and the rule. */
int prepay_from_xml(xmlNodePtr node, struct prepay *pp, struct solr_err *e);
/* The record's prepay: mapping. */
struct ynode *prepay_to_yaml(const struct prepay *pp);
/* And back: the mapping a stage before wrote.  SOLR_ERR_FORMAT names the
 * key that is missing or malformed. */
int prepay_from_yaml(const struct ynode *m, struct prepay *pp,
    struct solr_err *e);

#endif
