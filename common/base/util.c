#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/guard.h"
#include "base/util.h"

/* Room for n bytes more and the NUL after them. */
static int
buf_room(struct solr_buf *b, size_t n)
{
	size_t ncap;
	unsigned char *np;

	if (n > SIZE_MAX - b->len - 1)
		return SOLR_ERR_NOMEM;
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return SOLR_ERR_NOMEM;
		b->p = np;
		b->cap = ncap;
	}
	return 0;
}

int
solr_buf_add(struct solr_buf *b, const void *p, size_t n)
{
	if (buf_room(b, n) != 0)
		return SOLR_ERR_NOMEM;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';	/* always NUL-terminated for string users */
	return 0;
}

int
solr_buf_addc(struct solr_buf *b, int c)
{
	unsigned char ch = (unsigned char)c;

	return solr_buf_add(b, &ch, 1);
}

void
solr_buf_free(struct solr_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
solr_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
solr_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
solr_unhex(const char *s, size_t slen, unsigned char *out, size_t outcap,
    size_t *outlen)
{
	size_t i;
	int hi, lo;

	if (slen % 2)
		return SOLR_ERR_FORMAT;
	if (slen / 2 > outcap)
		return SOLR_ERR_LIMIT;
	for (i = 0; i < slen; i += 2) {
		if ((hi = solr_hexval(s[i])) < 0 || (lo = solr_hexval(s[i + 1])) < 0)
			return SOLR_ERR_FORMAT;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	*outlen = slen / 2;
	return 0;
}

int
solr_sha256(const void *p, size_t n, unsigned char out[SOLR_SHA256_LEN])
{
	unsigned int len = 0;

	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) ||
	    len != SOLR_SHA256_LEN)
		return SOLR_ERR_INTERNAL;
	return 0;
}

int
solr_sha256_hex(const void *p, size_t n, char out[SOLR_SHA256_HEX])
{
	unsigned char md[SOLR_SHA256_LEN];
	int r;

	if ((r = solr_sha256(p, n, md)) != 0)
		return r;
	solr_hex(md, sizeof(md), out);
	return 0;
}

int
solr_is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* The last group's bytes: 4 - pad sextets in acc, whose bits past the
 * bytes must be zero so that one byte string has one encoding. */
static int
b64_tail(unsigned int acc, size_t pad, unsigned char *out, size_t outcap,
    size_t *n, struct solr_err *e)
{
	unsigned int spare = pad == 1 ? 2 : 4;
	size_t keep = 3 - pad, k;

	if (pad > 2)
		return solr_seterr(e, SOLR_ERR_FORMAT,
		    "base64 has more than two '=' padding characters");
	if (pad == 0)
		return 0;
	if (acc & ((1u << spare) - 1))
		return solr_seterr(e, SOLR_ERR_FORMAT,
		    "base64 has non-zero padding bits");
	acc >>= spare;
	if (*n + keep > outcap)
		return solr_seterr(e, SOLR_ERR_LIMIT,
		    "base64 decodes to more than %zu bytes", outcap);
	for (k = keep; k-- > 0; )
		out[(*n)++] = (unsigned char)(acc >> (8 * k));
	return 0;
}

int
solr_b64_decode(const char *s, size_t slen, unsigned char *out,
    size_t outcap, size_t *outlen, struct solr_err *e)
{
	unsigned int acc = 0;
	size_t i, n = 0, nchars = 0, pad = 0;
	int v;

	for (i = 0; i < slen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '&' && slen - i >= 5 && memcmp(s + i, "&#13;", 5) == 0) {
			i += 4;
			continue;
		}
		if (c == '=') {
			pad++;
			nchars++;
			continue;
		}
		if (pad)
			return solr_seterr(e, SOLR_ERR_FORMAT,
			    "base64 has data after '=' padding");
		if ((v = b64val(c)) < 0)
			return solr_seterr(e, SOLR_ERR_FORMAT,
			    "base64 has an invalid character 0x%02x", c);
		acc = acc << 6 | (unsigned int)v;
		nchars++;
		if (nchars % 4 == 0) {
			if (n + 3 > outcap)
				return solr_seterr(e, SOLR_ERR_LIMIT,
				    "base64 decodes to more than %zu bytes",
				    outcap);
			out[n++] = (unsigned char)(acc >> 16);
			out[n++] = (unsigned char)(acc >> 8);
			out[n++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (nchars % 4 != 0)
		return solr_seterr(e, SOLR_ERR_FORMAT,
		    "base64 length is not a multiple of 4");
	if ((v = b64_tail(acc, pad, out, outcap, &n, e)) != 0)
		return v;
	*outlen = n;
	return 0;
}

void
solr_b64_encode(const unsigned char *p, size_t n, char *out)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = t[p[i] >> 2];
		out[o++] = t[(p[i] & 3) << 4 | p[i + 1] >> 4];
		out[o++] = t[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		out[o++] = t[p[i + 2] & 63];
	}
	if (n - i == 1) {
		out[o++] = t[p[i] >> 2];
		out[o++] = t[(p[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		out[o++] = t[p[i] >> 2];
		out[o++] = t[(p[i] & 3) << 4 | p[i + 1] >> 4];
		out[o++] = t[(p[i + 1] & 15) << 2];
		out[o++] = '=';
	}
	out[o] = '\0';
}

int
solr_eui_parse(const char *s, size_t len, uint64_t *eui)
{
	uint64_t v = 0, byte;
	size_t i;

	if (len != 23)
		return SOLR_ERR_FORMAT;
	for (i = 0; i < 8; i++) {
		if ((i > 0 && s[3 * i - 1] != '-') ||
		    solr_parse_hexn(s + 3 * i, 2, &byte) != 0)
			return SOLR_ERR_FORMAT;
		v = v << 8 | byte;
	}
	*eui = v;
	return 0;
}

int
solr_eui_parse_compact(const char *s, size_t len, uint64_t *eui)
{
	return len == 16 ? solr_parse_hexn(s, 16, eui) : SOLR_ERR_FORMAT;
}

void
solr_eui_format(uint64_t eui, char out[SOLR_EUI_STRLEN])
{
	static const char digits[] = "0123456789ABCDEF";
	int i, o = 0;

	for (i = 7; i >= 0; i--) {
		unsigned int b = (unsigned int)(eui >> (8 * i)) & 0xff;

		out[o++] = digits[b >> 4];
		out[o++] = digits[b & 15];
		if (i)
			out[o++] = '-';
	}
	out[o] = '\0';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t
solr_time_from_civil(int y, int mo, int d, int h, int mi, int s)
{
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
solr_days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int
solr_time_parse(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, sec, oh, om, sign;
	const char *p;

	if (strlen(s) < 20)
		return SOLR_ERR_FORMAT;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return SOLR_ERR_FORMAT;
	if (mo < 1 || mo > 12 || d < 1 || d > solr_days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 60)
		return SOLR_ERR_FORMAT;
	if (sec == 60)		/* a leap second is the next second's start */
		sec = 59;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return SOLR_ERR_FORMAT;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		oh = om = 0;
		sign = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return SOLR_ERR_FORMAT;
		p += 6;
	} else
		return SOLR_ERR_FORMAT;
	if (*p != '\0')
		return SOLR_ERR_FORMAT;
	*t = solr_time_from_civil(y, mo, d, h, mi, sec) -
	    sign * (oh * 3600 + om * 60);
	return 0;
}

void
solr_civil_from_days(int64_t z, int *year, int *month, int *day)
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	*year = (int)(y + (m <= 2));
	*month = (int)m;
	*day = (int)d;
}

void
solr_time_format(int64_t t, char out[SOLR_TIME_STRLEN])
{
	int64_t z, secs;
	int y, m, d;

	secs = t % 86400;
	z = t / 86400;
	if (secs < 0) {
		secs += 86400;
		z--;
	}
	solr_civil_from_days(z, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, SOLR_TIME_STRLEN, "out-of-range");
		return;
	}
	snprintf(out, SOLR_TIME_STRLEN, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m,
	    d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

int
solr_read_stream(FILE *f, const char *name, size_t max, struct solr_buf *out,
    struct solr_err *e)
{
	unsigned char chunk[65536];
	size_t n;

	out->len = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > max)
			return solr_seterr_at(e, SOLR_ERR_LIMIT, name, 0,
			    "input exceeds the limit of %zu bytes", max);
		if (solr_buf_add(out, chunk, n) != 0)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	if (ferror(f))
		return solr_seterr_at(e, SOLR_ERR_IO, name, 0, "read: %s",
		    strerror(errno));
	if (out->p == NULL && solr_buf_add(out, "", 0) != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	return 0;
}

/* A regular file of size bytes, read whole in as few reads as it takes:
 * one asks for a byte more than its size, and a read that gives less
 * than asked is its end. */
static int
read_regular(int fd, const char *name, off_t size, size_t max,
    struct solr_buf *out, struct solr_err *e)
{
	size_t want = (size_t)size + 1;
	ssize_t n;

	out->len = 0;
	for (;;) {
		if (out->len + want > max + 1)
			want = max + 1 - out->len;
		if (buf_room(out, want) != 0)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		while ((n = read(fd, out->p + out->len, want)) < 0 &&
		    errno == EINTR)
			;
		if (n < 0)
			return solr_seterr_at(e, SOLR_ERR_IO, name, 0,
			    "read: %s", strerror(errno));
		out->len += (size_t)n;
		out->p[out->len] = '\0';
		if (out->len > max)
			return solr_seterr_at(e, SOLR_ERR_LIMIT, name, 0,
			    "input exceeds the limit of %zu bytes", max);
		if ((size_t)n < want)
			return 0;
		want = 65536;
	}
}

int
solr_read_file(const char *path, size_t max, struct solr_buf *out,
    struct solr_err *e)
{
	struct stat st;
	FILE *f;
	int fd, r;

	if (strcmp(path, "-") == 0)
		return solr_read_stream(stdin, "(stdin)", max, out, e);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		r = read_regular(fd, path, st.st_size, max, out, e);
		close(fd);
		return r;
	}
	if ((f = fdopen(fd, "rb")) == NULL) {
		r = solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
		close(fd);
		return r;
	}
	r = solr_read_stream(f, path, max, out, e);
	fclose(f);
	return r;
}

int
solr_read_guarded(const char *path, size_t max, struct solr_buf *out,
    struct solr_err *e)
{
	struct stat st;
	int fd, r;

	if ((fd = solr_open_regular_st(path, O_RDONLY, 1, &st, e)) < 0)
		return e->code;
	r = read_regular(fd, path, st.st_size, max, out, e);
	close(fd);
	return r;
}

static int
fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, r;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
solr_write_atomic(const char *path, const void *p, size_t n, int sync,
    struct solr_err *e)
{
	static const char hx[] = "0123456789abcdef";
	char tmp[PATH_MAX];
	const unsigned char *q = p;
	unsigned char rnd[6];
	size_t len, i;
	ssize_t w;
	int fd = -1, tries;

	if ((len = (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path)) + 13 >=
	    sizeof(tmp))
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0,
		    "path too long");
	/* the directory, and the file it replaces, held to the guard */
	if (solr_guard(path, 0, e) != 0 && e->code != SOLR_ERR_NOTFOUND)
		return e->code;
	/* a name of our own, created with its final mode in one call */
	for (tries = 0; fd < 0 && tries < 16; tries++) {
		if (getentropy(rnd, sizeof(rnd)) != 0)
			break;
		for (i = 0; i < sizeof(rnd); i++) {
			tmp[len + 2 * i] = hx[rnd[i] >> 4];
			tmp[len + 2 * i + 1] = hx[rnd[i] & 15];
		}
		tmp[len + 2 * sizeof(rnd)] = '\0';
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0,
		    "cannot create a temporary file: %s", strerror(errno));
	while (n > 0) {
		if ((w = write(fd, q, n)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		q += w;
		n -= (size_t)w;
	}
	if (sync && fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	if (sync && fsync_dir_of(path) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0,
		    "fsync of its directory: %s", strerror(errno));
	return 0;
fail:
	solr_seterr_at(e, SOLR_ERR_IO, path, 0, "write: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return SOLR_ERR_IO;
}

int
solr_mkdirs(const char *path, struct solr_err *e)
{
	char tmp[PATH_MAX];
	char *p;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s", path) >= sizeof(tmp))
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0,
		    "path too long");
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return solr_seterr_at(e, SOLR_ERR_IO, tmp, 0,
			    "mkdir: %s", strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return solr_seterr_at(e, SOLR_ERR_IO, tmp, 0, "mkdir: %s",
		    strerror(errno));
	return solr_guard(tmp, 1, e);
}

int
solr_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10, d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return SOLR_ERR_FORMAT;
	for (; *s; s++) {
		if ((d = solr_hexval(*s)) < 0 || d >= base)
			return SOLR_ERR_FORMAT;
		if (v > (max - (uint64_t)d) / (uint64_t)base)
			return SOLR_ERR_LIMIT;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

int
solr_parse_hexn(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	int d;

	if (n == 0 || n > 16)
		return SOLR_ERR_FORMAT;
	for (i = 0; i < n; i++) {
		if ((d = solr_hexval(s[i])) < 0)
			return SOLR_ERR_FORMAT;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

int
solr_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	uint64_t mag = 0, lim;
	int neg = 0, d;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s == '\0')
		return SOLR_ERR_FORMAT;
	/* the magnitude's limit: |INT64_MIN| for a negative number */
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return SOLR_ERR_FORMAT;
		d = *s - '0';
		if (mag > (lim - (uint64_t)d) / 10)
			return SOLR_ERR_LIMIT;
		mag = mag * 10 + (uint64_t)d;
	}
	if (neg)
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)mag;
	else
		*out = (int64_t)mag;
	if (*out < min || *out > max)
		return SOLR_ERR_LIMIT;
	return 0;
}

void
solr_appended_note(struct solr_appended *a, int64_t before, int64_t after)
{
	if (!a->pending) {
		a->start = before;
		a->pending = 1;
		a->interleaved = 0;
	} else if (before != a->end)
		a->interleaved = 1;
	a->end = after;
}

int
solr_flock(int fd, int op)
{
	while (flock(fd, op) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int
solr_appended_undo(int fd, struct solr_appended *a)
{
	struct stat st;
	int r = -1;

	if (!a->pending)
		return 0;
	if (solr_flock(fd, LOCK_EX) != 0)
		return -1;
	if (!a->interleaved && fstat(fd, &st) == 0 && st.st_size == a->end &&
	    ftruncate(fd, (off_t)a->start) == 0) {
		(void)fsync(fd);
		r = 0;
	}
	flock(fd, LOCK_UN);
	a->pending = 0;
	return r;
}

int
solr_append_synced(const char *path, const void *p, size_t n,
    struct solr_err *e)
{
	const char *q = p;
	struct stat st;
	char last;
	ssize_t w;
	int fd, en = 0;

	if ((fd = solr_open_regular(path, O_RDWR | O_APPEND | O_CREAT, 1, e))
	    < 0)
		return e->code;
	if (fstat(fd, &st) != 0) {
		en = errno;
		close(fd);
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(en));
	}
	/* after a torn append, start on a line of our own */
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 &&
	    last != '\n' && write(fd, "\n", 1) != 1)
		en = errno ? errno : EIO;
	while (en == 0 && n > 0) {
		if ((w = write(fd, q, n)) < 0) {
			if (errno != EINTR)
				en = errno;
			continue;
		}
		q += w;
		n -= (size_t)w;
	}
	if (en == 0 && fsync(fd) != 0)
		en = errno;
	if (en != 0) {
		/* the caller holds the file's lock: nobody appended since */
		if (ftruncate(fd, st.st_size) == 0)
			(void)fsync(fd);
		close(fd);
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "append: %s",
		    strerror(en));
	}
	if (close(fd) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "close: %s",
		    strerror(errno));
	return 0;
}

int
solr_buf_quoted(struct solr_buf *b, const char *s)
{
	int r = solr_buf_addc(b, '\'');

	for (; *s && r == 0; s++) {
		if (*s == '\'')
			r |= solr_buf_addc(b, '\'');
		r |= solr_buf_addc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
	return r | solr_buf_addc(b, '\'');
}

int
solr_text_decode(int hex, const unsigned char *in, size_t n,
    unsigned char *out, size_t cap, size_t *len, struct solr_err *e)
{
	size_t i;

	/* one run of digits; only a final line end is allowed */
	while (n && (in[n - 1] == '\n' || in[n - 1] == '\r'))
		n--;
	if (!hex)
		return solr_b64_decode((const char *)in, n, out, cap, len, e);
	for (i = 0; i < n; i++)
		if (solr_hexval((char)in[i]) < 0)
			return solr_seterr(e, SOLR_ERR_FORMAT, "character "
			    "%zu (0x%02x) is not a hex digit", i, in[i]);
	if (n % 2)
		return solr_seterr(e, SOLR_ERR_FORMAT, "an odd number (%zu) "
		    "of hex digits", n);
	if (solr_unhex((const char *)in, n, out, cap, len) != 0)
		return solr_seterr(e, SOLR_ERR_LIMIT, "more than %zu bytes",
		    cap);
	return 0;
}

static unsigned long oom_count;

void
solr_oom_note(void)
{
	oom_count++;
}

unsigned long
solr_oom_count(void)
{
	return oom_count;
}

void
solr_put_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

uint64_t
solr_get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int
solr_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size && a->st_mtim.tv_sec ==
	    b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec ==
	    b->st_ctim.tv_nsec;
}
