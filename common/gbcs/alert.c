#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "gbcs/alert.h"
#include "gbcs/dlms.h"
#include "gbcs/framing.h"

static int
alert_dlms(struct gdec *g, struct span *c, const struct gbcs_apdu *a,
    struct gbcs_alert *al)
{
	uint64_t v;
	size_t n, at;
	unsigned char ts[12];
	unsigned code;
	int rc, three = a->message_code == GBCS_MSG_FD_DLMS;

	if ((rc = gr_expect(g, c, 0x0F, "DATA-NOTIFICATION tag")) != 0)
		return rc;
	at = c->pos;
	if ((rc = gr_be(g, c, 4, "long-invoke-id-and-priority", &v)) != 0)
		return rc;
	if ((v >> 24) != 0x20)
		return gr_fail(g, at, "the invoke-id's top byte is 0x%02X; an "
		    "alert's is 0x20", (unsigned)(v >> 24));
	if ((v & 0xFFFFFF) != (a->counter & 0xFFFFFF))
		return gr_fail(g, at, "the invoke-id's low 24 bits are not the "
		    "originator counter's");
	at = c->pos;
	if ((rc = gr_len(g, c, "DLMS date-time length", &n)) != 0)
		return rc;
	if (n != 0)
		return gr_fail(g, at, "the notification's date-time is %zu "
		    "bytes, not empty", n);
	if ((rc = gr_expect(g, c, 0x02, "notification body structure")) != 0 ||
	    (rc = gr_expect(g, c, three ? 3 : 2, "notification element "
	    "count")) != 0 ||
	    (rc = dl_long_unsigned(g, c, "alert code", &code)) != 0 ||
	    (rc = dl_octets(g, c, 12, "alert timestamp", ts)) != 0)
		return rc;
	al->alert_code = (uint16_t)code;
	if (dlms_time(ts, &al->timestamp) != 0)
		return gr_fail(g, c->pos - 12, "the alert timestamp is not a "
		    "date-time");
	/* read as UTC: its deviation must say nothing else */
	if (ts[9] != 0x80 || ts[10] != 0)
		return gr_fail(g, c->pos - 12, "the alert timestamp's deviation "
		    "is 0x%02X%02X, not 0x8000", ts[9], ts[10]);
	if (three) {
		unsigned char f[19];

		at = c->pos;
		if ((rc = dl_octets(g, c, 19, "future-dated command", f)) != 0)
			return rc;
		al->has_future = 1;
		al->future_code = (uint16_t)(f[0] << 8 | f[1]);
		for (al->future_counter = 0, n = 0; n < 8; n++)
			al->future_counter = al->future_counter << 8 | f[2 + n];
		snprintf(al->future_object, sizeof(al->future_object),
		    "class %u, %u-%u:%u.%u.%u.%u, attribute %u",
		    (unsigned)(f[10] << 8 | f[11]), f[12], f[13], f[14], f[15],
		    f[16], f[17], f[18]);
		gr_trace_str(g, at, 21, "future-dated command",
		    al->future_object);
	}
	al->payload = "dlms";
	return gr_end(g, c, "the alert's content");
}

static int
alert_gbz(struct gdec *g, struct span *c, const struct gbcs_apdu *a,
    struct gbcs_alert *al)
{
	uint64_t v;
	unsigned count;
	size_t at;
	int rc, fd = a->message_code == GBCS_MSG_FD_GBZ;

	if ((rc = gr_be(g, c, 2, "GBZ profile id", &v)) != 0)
		return rc;
	if (v != 0x0109)
		return gr_fail(g, c->pos - 2, "GBZ profile id 0x%04X is not "
		    "0x0109", (unsigned)v);
	at = c->pos;
	if ((rc = gr_u8(g, c, "GBZ component count", &count)) != 0)
		return rc;
	if ((int)count != (fd ? 1 : 0))
		return gr_fail(g, at, "an alert has %d GBZ components, not %u",
		    fd ? 1 : 0, count);
	at = c->pos;
	if ((rc = gr_be(g, c, 2, "alert code", &v)) != 0)
		return rc;
	al->alert_code = (uint16_t)v;
	gr_trace_hex(g, at, 2, "alert code", al->alert_code, 4);
	at = c->pos;
	if ((rc = gr_be(g, c, 4, "alert timestamp", &v)) != 0)
		return rc;
	al->timestamp = solr_time_from_civil(2000, 1, 1, 0, 0, 0) +
	    (int64_t)v;
	gr_trace_hex(g, at, 4, "alert timestamp", v, 8);
	if (fd) {
		unsigned len, k;
		const unsigned char *f;

		at = c->pos;
		if ((rc = gr_u8(g, c, "future-dated command length",
		    &len)) != 0)
			return rc;
		if (len != 14)
			return gr_fail(g, at, "the future-dated command is %u "
			    "bytes, not 14", len);
		if ((rc = gr_need(g, c, 14, "future-dated command")) != 0)
			return rc;
		f = g->b + c->pos;
		/* the frame control GCS05 gives the command's cluster */
		if (f[12] != ((f[10] << 8 | f[11]) == 0x0707 ? 0x09 : 0x01))
			return gr_fail(g, at, "the future-dated command's ZCL "
			    "frame control 0x%02X is not its cluster's", f[12]);
		c->pos += 14;
		al->has_future = 1;
		al->future_code = (uint16_t)(f[0] << 8 | f[1]);
		for (al->future_counter = 0, k = 0; k < 8; k++)
			al->future_counter = al->future_counter << 8 | f[2 + k];
		snprintf(al->future_object, sizeof(al->future_object),
		    "cluster 0x%04X, command 0x%02X", (unsigned)(f[10] << 8 |
		    f[11]), f[13]);
		gr_trace_str(g, at, 15, "future-dated command",
		    al->future_object);
	}
	al->payload = "gbz";
	return gr_end(g, c, "the alert's content");
}

int
gbcs_parse_alert(const unsigned char *p, size_t n, struct gbcs_alert *al,
    struct gbcs_trace *t, struct solr_err *e)
{
	struct gdec g = { .b = p, .t = t, .e = e };
	struct span r = { .end = n }, c;
	size_t at;
	int rc;

	memset(al, 0, sizeof(*al));
	al->buf = p;
	al->len = n;
	if (n > GBCS_MAX_LEN)
		return gr_fail(&g, 0, "the message is %zu bytes; the limit is "
		    "%d", n, GBCS_MAX_LEN);
	if (n > 0 && p[0] == 0xDD) {
		/* General-Ciphering: the non-critical alert with its MAC */
		if ((rc = gbcs_ciphering(&g, &r, &at, &al->apdu_len, al->mac))
		    != 0)
			return rc;
		al->apdu_off = at;
		al->has_mac = 1;
		rc = gbcs_signing_in(p + at, al->apdu_len, 3, 1, &al->apdu, t,
		    e, at);
		if (rc != 0)
			return rc;
		if (al->apdu.message_code != GBCS_MSG_GNCA)
			return gr_fail(&g, at + 31, "message code 0x%04X in a "
			    "MACed alert; the non-critical alert is 0x1001",
			    al->apdu.message_code);
		al->framing = "non-critical";
	} else {
		al->apdu_off = 0;
		al->apdu_len = n;
		if ((rc = gbcs_signing_in(p, n, 3, 0, &al->apdu, t, e, 0)) != 0)
			return rc;
		switch (al->apdu.message_code) {
		case GBCS_MSG_GCA:
			al->framing = "critical";
			break;
		case GBCS_MSG_FD_DLMS:
		case GBCS_MSG_FD_GBZ:
			al->framing = "future-dated";
			break;
		case GBCS_MSG_GNCA:
			return gr_fail(&g, 31, "a non-critical alert (0x1001) "
			    "comes MACed in General-Ciphering, not signed");
		default:
			return gr_fail(&g, 31, "message code 0x%04X is not an "
			    "alert (0x1000, 0x1001, 0x00CC, 0x00CD)",
			    al->apdu.message_code);
		}
	}
	if (al->apdu.other_len != 2)
		return gr_fail(&g, al->apdu_off + 30, "other-information is "
		    "%zu bytes; an alert has only its message code",
		    al->apdu.other_len);
	/* offsets in the inner APDU are the whole message's */
	g.b = al->apdu.buf;
	g.base = al->apdu.base;
	c.pos = al->apdu.content_off;
	c.end = c.pos + al->apdu.content_len;
	g.depth = 1;
	if (al->apdu.message_code == GBCS_MSG_FD_DLMS)
		return alert_dlms(&g, &c, &al->apdu, al);
	if (al->apdu.message_code == GBCS_MSG_FD_GBZ)
		return alert_gbz(&g, &c, &al->apdu, al);
	if (c.end > c.pos && al->apdu.buf[c.pos] == 0x0F)
		return alert_dlms(&g, &c, &al->apdu, al);
	if (c.end - c.pos >= 2 && al->apdu.buf[c.pos] == 0x01 &&
	    al->apdu.buf[c.pos + 1] == 0x09)
		return alert_gbz(&g, &c, &al->apdu, al);
	return gr_fail(&g, c.pos, "the alert's content is neither "
	    "a DLMS DATA-NOTIFICATION (0F) nor GBZ (01 09)");
}
