#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbcs/framing.h"
#include "gbcs/reader.h"

int
gbcs_parse_signing(const unsigned char *p, size_t n, int cra,
    struct gbcs_apdu *a, struct gbcs_trace *t, struct solr_err *e)
{
	return gbcs_signing_in(p, n, cra, 0, a, t, e, 0);
}

/* A system title: length 8, then the EUI-64. */
static int
system_title(struct gdec *g, struct span *r, const char *what, uint64_t *eui)
{
	char name[64];
	size_t len, at = r->pos;
	int rc;

	snprintf(name, sizeof(name), "%s system-title length", what);
	if ((rc = gr_len(g, r, name, &len)) != 0)
		return rc;
	if (len != 8)
		return gr_fail(g, at, "%s system-title length is %zu, not 8",
		    what, len);
	at = r->pos;
	if ((rc = gr_be(g, r, 8, what, eui)) != 0)
		return rc;
	gr_trace(g, at, 8, what, "%016llX", (unsigned long long)*eui);
	return 0;
}

/* The transaction-id (CRA flag and originator counter), the system
 * titles and the date-time. */
static int
signing_head(struct gdec *g, struct span *r, int cra, struct gbcs_apdu *a)
{
	size_t len, at;
	unsigned c;
	int rc;

	if ((rc = gr_expect(g, r, 0xDF, "general-signing tag")) != 0 ||
	    (rc = gr_len(g, r, "transaction-id length", &len)) != 0)
		return rc;
	if (len != 9)
		return gr_fail(g, 1, "transaction-id length is %zu, not 9",
		    len);
	at = r->pos;
	if ((rc = gr_u8(g, r, "CRA flag", &c)) != 0)
		return rc;
	if ((int)c != cra)
		return gr_fail(g, at, "CRA flag is 0x%02X; %s has 0x%02X", c,
		    cra == 1 ? "a command" : cra == 2 ? "a response" :
		    "an alert", (unsigned)cra);
	a->cra = (int)c;
	gr_trace_udec(g, at, 1, "CRA flag", c);
	at = r->pos;
	if ((rc = gr_be(g, r, 8, "originator counter", &a->counter)) != 0)
		return rc;
	gr_trace_udec(g, at, 8, "originator counter", a->counter);
	if ((rc = system_title(g, r, "originator", &a->originator)) != 0 ||
	    (rc = system_title(g, r, "recipient", &a->recipient)) != 0)
		return rc;
	at = r->pos;
	if ((rc = gr_len(g, r, "date-time length", &len)) != 0)
		return rc;
	if (len != 0 && len != 12)
		return gr_fail(g, at, "date-time length is %zu, not 0 or 12",
		    len);
	a->date_time_len = len;
	if (len) {
		if ((rc = gr_need(g, r, 12, "date-time")) != 0)
			return rc;
		memcpy(a->date_time, g->b + r->pos, 12);
		gr_trace(g, r->pos, 12, "date-time", "(12 bytes)");
		r->pos += 12;
	}
	return 0;
}

/* The other-information (the message code first) and the content. */
static int
signing_body(struct gdec *g, struct span *r, struct gbcs_apdu *a)
{
	struct span other, content;
	size_t len, at = r->pos;
	uint64_t v;
	int rc;

	if ((rc = gr_len(g, r, "other-information length", &len)) != 0)
		return rc;
	if (len < 2)
		return gr_fail(g, at, "other-information length is %zu; it "
		    "holds at least the 2-byte message code", len);
	a->other_len = len;
	if ((rc = gr_sub(g, r, len, "other-information", &other)) != 0)
		return rc;
	at = other.pos;
	gr_be(g, &other, 2, "message code", &v);
	a->message_code = (uint16_t)v;
	gr_trace_hex(g, at, 2, "message code", a->message_code, 4);
	if (other.pos != other.end)
		gr_trace(g, other.pos, other.end - other.pos,
		    "other-information (rest)", "(%zu bytes)",
		    other.end - other.pos);
	if ((rc = gr_len(g, r, "content length", &len)) != 0 ||
	    (rc = gr_sub(g, r, len, "content", &content)) != 0)
		return rc;
	a->content_off = content.pos;
	a->content_len = len;
	return 0;
}

/* The signature that ends the APDU: 64 bytes r||s, or the null
 * signature 00 of a MACed message (null_sig). */
static int
signing_tail(struct gdec *g, struct span *r, int null_sig, struct gbcs_apdu *a)
{
	size_t len, at;
	int rc;

	if (r->pos == r->end)
		return gr_fail(g, r->pos, "signature field absent: a Signed "
		    "Pre-Command ends with 40 and a 64-byte signature");
	at = r->pos;
	if ((rc = gr_len(g, r, "signature length", &len)) != 0)
		return rc;
	if (null_sig) {
		if (len != 0)
			return gr_fail(g, at, "signature length is %zu; a "
			    "MACed message carries the null signature 00", len);
		return gr_end(g, r, "the General-Signing APDU");
	}
	if (len != 64)
		return gr_fail(g, at, "signature length is %zu; a Signed "
		    "Pre-Command carries exactly 64 bytes (r||s)%s", len,
		    len == 0 ? ", and a null signature is unsigned" : "");
	if ((rc = gr_need(g, r, 64, "signature")) != 0)
		return rc;
	memcpy(a->signature, g->b + r->pos, 64);
	gr_trace(g, r->pos, 64, "signature", "r||s");
	r->pos += 64;
	a->has_signature = 1;
	return gr_end(g, r, "the General-Signing APDU");
}

/* null_sig: the signature length is 00 (a MACed message); base: the
 * offset of p in the whole message, for the reasons. */
int
gbcs_signing_in(const unsigned char *p, size_t n, int cra, int null_sig,
    struct gbcs_apdu *a, struct gbcs_trace *t, struct solr_err *e,
    size_t base)
{
	struct gdec g = { .b = p, .t = t, .e = e, .base = base };
	struct span r = { .end = n };
	int rc;

	memset(a, 0, sizeof(*a));
	a->buf = p;
	a->len = n;
	a->base = base;
	if (n > GBCS_MAX_LEN)
		return gr_fail(&g, 0, "the message is %zu bytes; the limit is "
		    "%d", n, GBCS_MAX_LEN);
	if ((rc = signing_head(&g, &r, cra, a)) != 0 ||
	    (rc = signing_body(&g, &r, a)) != 0)
		return rc;
	return signing_tail(&g, &r, null_sig, a);
}

/*
 * The General-Ciphering envelope with the Access Control Broker's or the
 * device's MAC (a Command, a non-critical alert): DD, six empty header
 * fields, the ciphered content's length, the security header 11 00000000,
 * the General-Signing APDU, and a 12-byte MAC that ends the message.
 */
int
gbcs_ciphering(struct gdec *g, struct span *r, size_t *at, size_t *apdu_len,
    unsigned char mac[12])
{
	static const unsigned char hdr[5] = { 0x11, 0, 0, 0, 0 };
	unsigned char z6[6] = { 0 };
	size_t len;
	int rc;

	if ((rc = gr_need(g, r, 7, "General-Ciphering header")) != 0)
		return rc;
	if (memcmp(g->b + 1, z6, 6) != 0)
		return gr_fail(g, 1, "the General-Ciphering header fields must "
		    "be empty (00 x 6)");
	gr_trace(g, 0, 7, "General-Ciphering header", "DD 00 00 00 00 00 00");
	r->pos = 7;
	if ((rc = gr_len(g, r, "ciphered-content length", &len)) != 0)
		return rc;
	if (len != r->end - r->pos)
		return gr_fail(g, r->pos, "the ciphered content is %zu bytes "
		    "but %zu remain: the MAC must end the message", len,
		    r->end - r->pos);
	if (len < 5 + 12 + 1)
		return gr_fail(g, r->pos, "the ciphered content is too short");
	if (memcmp(g->b + r->pos, hdr, 5) != 0)
		return gr_fail(g, r->pos, "the security header is not 11 "
		    "00000000");
	gr_trace(g, r->pos, 5, "security header", "11 00000000");
	r->pos += 5;
	*at = r->pos;
	*apdu_len = r->end - 12 - r->pos;
	memcpy(mac, g->b + r->end - 12, 12);
	gr_trace(g, r->end - 12, 12, "MAC", "(12 bytes)");
	return 0;
}

int
gbcs_message_kind(const unsigned char *p, size_t n)
{
	size_t at = 7, len = 0;

	if (n > 2 && p[0] == 0xDF)
		return p[2] == 3 ? GBCS_KIND_ALERT : GBCS_KIND_PRECOMMAND;
	if (n < 9 || p[0] != 0xDD)
		return GBCS_KIND_PRECOMMAND;	/* its reader says why not */
	/* the CRA flag of the General-Signing APDU inside */
	if (p[at] < 0x80)
		len = 1;
	else if (p[at] == 0x81)
		len = 2;
	else if (p[at] == 0x82)
		len = 3;
	at += len + 5 + 2;
	if (len == 0 || at >= n)
		return GBCS_KIND_ALERT;
	return p[at] == 1 ? GBCS_KIND_COMMAND : GBCS_KIND_ALERT;
}

int
gbcs_parse_command(const unsigned char *p, size_t n, struct gbcs_command *c,
    struct gbcs_trace *t, struct solr_err *e)
{
	struct gdec g = { .b = p, .t = t, .e = e };
	struct span r = { .end = n };
	int rc;

	memset(c, 0, sizeof(*c));
	c->buf = p;
	c->len = n;
	if (n > GBCS_MAX_LEN)
		return gr_fail(&g, 0, "the message is %zu bytes; the limit is "
		    "%d", n, GBCS_MAX_LEN);
	if (n == 0 || p[0] != 0xDD)
		return gr_fail(&g, 0, "a Command is General-Ciphering (DD)");
	if ((rc = gbcs_ciphering(&g, &r, &c->apdu_off, &c->apdu_len,
	    c->mac)) != 0)
		return rc;
	/* the Signed Pre-Command inside, with the supplier's signature */
	return gbcs_signing_in(p + c->apdu_off, c->apdu_len, 1, 0, &c->apdu, t,
	    e, c->apdu_off);
}

void
gbcs_trace_free(struct gbcs_trace *t)
{
	free(t->f);
	t->f = NULL;
	t->n = t->cap = 0;
}
