/* Where each trail a world writes lives (satplace.h). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/guard.h"
#include "base/util.h"
#include "store/satplace.h"

#define PLACE_MAX 8192
#define LABEL "solr-sat place\n"

struct place {
	char id[33];
	char dir[PATH_MAX];
	char retired[SOLR_TIME_STRLEN];
};

/* dir as an absolute path; for a folder that is gone, its parent's */
static int
abs_dir(const char *dir, char out[PATH_MAX])
{
	char parent[PATH_MAX], *slash;
	const char *base;

	if (realpath(dir, out) != NULL)
		return 0;
	if (errno != ENOENT)
		return -1;
	snprintf(parent, sizeof(parent), "%s", dir);
	while ((slash = strrchr(parent, '/')) != NULL && slash[1] == '\0' &&
	    slash != parent)
		*slash = '\0';
	if ((slash = strrchr(parent, '/')) == NULL) {
		base = parent;
		if (getcwd(out, PATH_MAX) == NULL)
			return -1;
	} else {
		*slash = '\0';
		base = slash + 1;
		if (realpath(*parent ? parent : "/", out) == NULL)
			return -1;
	}
	if (strlen(out) + strlen(base) + 2 > PATH_MAX)
		return -1;
	strcat(strcmp(out, "/") ? strcat(out, "/") : out, base);
	return 0;
}

/* The text a record's MAC covers. */
static int
place_text(const struct place *p, char *out, size_t cap)
{
	int n = snprintf(out, cap, "trail: %s\ndir: %s\n%s%s%s", p->id,
	    p->dir, p->retired[0] ? "retired: " : "", p->retired,
	    p->retired[0] ? "\n" : "");

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static int
place_mac(const unsigned char key[32], const char *text, size_t n,
    char hex[65])
{
	unsigned char mac[32];
	char *buf;
	int r;

	if ((buf = malloc(sizeof(LABEL) + n)) == NULL)
		return -1;
	memcpy(buf, LABEL, sizeof(LABEL) - 1);
	memcpy(buf + sizeof(LABEL) - 1, text, n);
	r = solr_hmac(key, buf, sizeof(LABEL) - 1 + n, mac);
	free(buf);
	if (r == 0)
		solr_hex(mac, sizeof(mac), hex);
	return r;
}

/* A line "key: value" at *s, its value into out; advances *s. */
static int
line_of(const char **s, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key), vl;
	const char *nl;

	if (strncmp(*s, key, kl) != 0 || (*s)[kl] != ':' || (*s)[kl + 1] != ' '
	    || (nl = strchr(*s, '\n')) == NULL)
		return -1;
	vl = (size_t)(nl - (*s + kl + 2));
	if (vl >= cap)
		return -1;
	memcpy(out, *s + kl + 2, vl);
	out[vl] = '\0';
	*s = nl + 1;
	return 0;
}

/* A record read and its MAC checked: 0, or SOLR_ERR_VERIFY. */
static int
place_read(const char *path, const char *id, const unsigned char key[32],
    struct place *p, struct solr_err *e)
{
	struct solr_buf b = { 0 };
	char text[PATH_MAX + 256], mac[65], want[65];
	const char *s;
	int n, r;

	memset(p, 0, sizeof(*p));
	if ((r = solr_read_guarded(path, PLACE_MAX, &b, e)) != 0 ||
	    (r = solr_buf_addc(&b, '\0')) != 0) {
		solr_buf_free(&b);
		return r ? r : SOLR_ERR_NOMEM;
	}
	s = (const char *)b.p;
	r = line_of(&s, "trail", p->id, sizeof(p->id)) != 0 ||
	    line_of(&s, "dir", p->dir, sizeof(p->dir)) != 0 ||
	    (strncmp(s, "retired: ", 9) == 0 && line_of(&s, "retired",
	    p->retired, sizeof(p->retired)) != 0) ||
	    line_of(&s, "mac", mac, sizeof(mac)) != 0 || *s != '\0' ||
	    strcmp(p->id, id) != 0 || (n = place_text(p, text,
	    sizeof(text))) < 0 || place_mac(key, text, (size_t)n, want) != 0 ||
	    strcmp(mac, want) != 0;
	solr_buf_free(&b);
	return r ? solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "not a record "
	    "this world wrote (its MAC does not hold): the record of where "
	    "trail %s lives was changed; refused", id) : 0;
}

static int
place_write(const char *heads, const unsigned char key[32],
    const struct place *p, const char *suffix, struct solr_err *e)
{
	char text[PATH_MAX + 256], mac[65], path[PATH_MAX], out[PATH_MAX + 400];
	int n, r;

	if ((n = place_text(p, text, sizeof(text))) < 0 ||
	    place_mac(key, text, (size_t)n, mac) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "a trail's place: "
		    "cannot MAC it");
	snprintf(out, sizeof(out), "%smac: %s\n", text, mac);
	snprintf(path, sizeof(path), "%s/%s.%s", heads, p->id, suffix);
	if ((r = solr_mkdirs(heads, e)) != 0)
		return r;
	return solr_write_atomic(path, out, strlen(out), 1, e);
}

/* What a name in state/sat-heads is: 'h' a head, 'p' a place, 'r' a
 * retired place, 0 anything else; its trail id into id. */
static int
kind_of(const char *name, char id[33])
{
	size_t n = strspn(name, "0123456789abcdef");

	if (n != 32)
		return 0;
	memcpy(id, name, 32);
	id[32] = '\0';
	if (name[32] == '\0')
		return 'h';
	if (strcmp(name + 32, ".place") == 0)
		return 'p';
	if (strcmp(name + 32, ".retired") == 0)
		return 'r';
	return 0;
}

/* The entries of the last head the world signed for id, for a message. */
static uint64_t
head_entries(const char *heads, const char *id)
{
	char path[PATH_MAX], line[256];
	uint64_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", heads, id);
	if ((f = solr_fopen_guarded(path, &(struct solr_err){ 0 })) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "entries: %" SCNu64, &n) == 1)
			break;
	fclose(f);
	return n;
}

static int
has(const char *heads, const char *id, const char *suffix)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.%s", heads, id, suffix);
	return access(path, F_OK) == 0;
}

/* One name of state/sat-heads against dir and its trail id. */
static int
check_one(const char *heads, const unsigned char key[32], const char *abs,
    const char *dir, const char *id, const char *name, struct solr_err *e)
{
	char path[PATH_MAX], nid[33];
	struct place p;
	int k = kind_of(name, nid), r;

	snprintf(path, sizeof(path), "%s/%s", heads, name);
	if (k == 'h' && (id == NULL || strcmp(nid, id) != 0) &&
	    !has(heads, nid, "place") && !has(heads, nid, "retired"))
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the world "
		    "signed heads for trail %s, but its record of where that "
		    "trail lives (%s.place) is gone: removed by hand; refused",
		    nid, nid);
	if (k != 'p' && k != 'r')
		return 0;
	if ((r = place_read(path, nid, key, &p, e)) != 0)
		return r;
	if (k == 'p' && strcmp(p.dir, abs) == 0 && (id == NULL ||
	    strcmp(id, nid) != 0))
		return solr_seterr_at(e, SOLR_ERR_VERIFY, dir, 0, "this world "
		    "wrote trail %s here and signed a head of %" PRIu64 " "
		    "entries for it (state/sat-heads/%s); the folder now holds "
		    "%s%s: that trail was swapped or removed.  Refused until it "
		    "is found, or retired (solr-sat retire)", nid,
		    head_entries(heads, nid), nid, id ? "trail " : "no trail",
		    id ? id : "");
	return 0;
}

int
sat_place_check(const char *heads, const unsigned char key[32],
    const char *dir, const char *id, struct solr_err *e)
{
	char abs[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r;

	if (abs_dir(dir, abs) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, dir, 0, "%s",
		    strerror(errno));
	if ((r = solr_guard(heads, 1, e)) == SOLR_ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	if ((d = opendir(heads)) == NULL)
		return solr_seterr_at(e, SOLR_ERR_IO, heads, 0, "%s",
		    strerror(errno));
	while (r == 0 && (de = readdir(d)) != NULL)
		r = check_one(heads, key, abs, dir, id, de->d_name, e);
	closedir(d);
	return r;
}

int
sat_place_record(const char *heads, const unsigned char key[32],
    const char *dir, const char *id, struct solr_err *e)
{
	char path[PATH_MAX];
	struct place p, was;
	struct solr_err ignore = { 0 };

	memset(&p, 0, sizeof(p));
	snprintf(p.id, sizeof(p.id), "%s", id);
	if (abs_dir(dir, p.dir) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, dir, 0, "%s",
		    strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.place", heads, id);
	if (place_read(path, id, key, &was, &ignore) == 0 &&
	    strcmp(was.dir, p.dir) == 0)
		return 0;
	return place_write(heads, key, &p, "place", e);
}

int
sat_place_retire(const char *heads, const unsigned char key[32],
    const char *dir, int64_t t, char id_out[33], struct solr_err *e)
{
	char abs[PATH_MAX], path[PATH_MAX], id[33];
	struct dirent *de;
	struct place p;
	DIR *d;
	int r = SOLR_ERR_NOTFOUND;

	if (abs_dir(dir, abs) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, dir, 0, "%s",
		    strerror(errno));
	if (solr_guard(heads, 1, e) != 0 || (d = opendir(heads)) == NULL)
		return solr_seterr_at(e, SOLR_ERR_NOTFOUND, dir, 0, "this "
		    "world recorded no trail here");
	while (r == SOLR_ERR_NOTFOUND && (de = readdir(d)) != NULL) {
		if (kind_of(de->d_name, id) != 'p')
			continue;
		snprintf(path, sizeof(path), "%s/%s", heads, de->d_name);
		if ((r = place_read(path, id, key, &p, e)) != 0)
			break;
		if (strcmp(p.dir, abs) != 0) {
			r = SOLR_ERR_NOTFOUND;
			continue;
		}
		solr_time_format(t, p.retired);
		if ((r = place_write(heads, key, &p, "retired", e)) == 0 &&
		    unlink(path) != 0)
			r = solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
			    strerror(errno));
		if (r == 0)
			memcpy(id_out, id, 33);
	}
	closedir(d);
	if (r == SOLR_ERR_NOTFOUND)
		solr_seterr_at(e, SOLR_ERR_NOTFOUND, dir, 0, "this world "
		    "recorded no trail here");
	return r;
}
