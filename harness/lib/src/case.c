/* SPDX-License-Identifier: MIT */
/*
 * txpath harness: golden-case loading and the case.json helpers drivers use.
 *
 * A case is a folder pcaps/<component>/<name>/ holding case.json (parsed with jansson, which
 * reports syntax errors with line and column), golden.pcap and whatever inputs the driver
 * needs. txp_h_case_load() checks the keys every case must have ("component", "description",
 * "link"); the driver reads the rest with the txp_h_json_* helpers, which name the JSON path of
 * a bad value ("packets[2].ttl: expected an integer 0..255, got a string").
 *
 * Entry points: txp_h_case_load, txp_h_case_fini, txp_h_json_int, txp_h_json_ipv4,
 * txp_h_json_mac, txp_h_json_hex.
 */
#include "txpath/h_conform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *
txp_h_json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    default:
        return "an unknown JSON value";
    }
}

/* "<path>.<key>", or "<key>" for an empty path. */
static void
h_join(char *out, size_t cap, const char *path, const char *key)
{
    if (path && path[0])
        (void)snprintf(out, cap, "%s.%s", path, key);
    else
        (void)snprintf(out, cap, "%s", key);
}

/*
 * Look up @p key. Returns 1 with *v set when present, 0 when absent and optional, and
 * TXP_EBADMSG (d filled with "<path>.<key>: missing (expected WHAT)") when absent and required
 * or when @p obj is not an object.
 */
static int
h_member(const json_t *obj, const char *path, const char *key, int required, const char *what,
         json_t **v, struct txp_diag *d)
{
    char full[192];
    h_join(full, sizeof full, path, key);
    if (!json_is_object(obj)) {
        if (d)
            (void)txp_diag_set(d, 0, 0, "%s: expected an object holding %s, got %s",
                               path && path[0] ? path : "(root)", key,
                               obj ? txp_h_json_type_name(obj) : "nothing");
        return TXP_EBADMSG;
    }
    *v = json_object_get(obj, key);
    if (*v && !json_is_null(*v))
        return 1;
    if (!required)
        return 0;
    if (d)
        (void)txp_diag_set(d, 0, 0, "%s: missing (expected %s)", full, what);
    return TXP_EBADMSG;
}

int
txp_h_json_int(const json_t *obj, const char *path, const char *key, int64_t min, int64_t max,
               int required, int64_t def, int64_t *out, struct txp_diag *d)
{
    TXP_ASSERT(key && out);
    char what[96];
    (void)snprintf(what, sizeof what, "an integer %lld..%lld", (long long)min, (long long)max);
    json_t *v = NULL;
    int rc = h_member(obj, path, key, required, what, &v, d);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        *out = def;
        return TXP_OK;
    }
    char full[192];
    h_join(full, sizeof full, path, key);
    if (!json_is_integer(v)) {
        if (d)
            (void)txp_diag_set(d, 0, 0, "%s: expected %s, got %s", full, what,
                               txp_h_json_type_name(v));
        return TXP_EBADMSG;
    }
    json_int_t x = json_integer_value(v);
    if ((int64_t)x < min || (int64_t)x > max) {
        if (d)
            (void)txp_diag_set(d, 0, 0, "%s: expected %s, got %lld", full, what, (long long)x);
        return TXP_EBADMSG;
    }
    *out = (int64_t)x;
    return TXP_OK;
}

/* Fetch a string member; 1 = got it, 0 = absent and optional, <0 = error (d filled). */
static int
h_string(const json_t *obj, const char *path, const char *key, int required, const char *what,
         const char **s, struct txp_diag *d)
{
    json_t *v = NULL;
    int rc = h_member(obj, path, key, required, what, &v, d);
    if (rc <= 0)
        return rc;
    if (!json_is_string(v)) {
        char full[192];
        h_join(full, sizeof full, path, key);
        if (d)
            (void)txp_diag_set(d, 0, 0, "%s: expected %s, got %s", full, what,
                               txp_h_json_type_name(v));
        return TXP_EBADMSG;
    }
    *s = json_string_value(v);
    return 1;
}

int
txp_h_json_ipv4(const json_t *obj, const char *path, const char *key, int required, uint32_t def,
                uint32_t *out, struct txp_diag *d)
{
    TXP_ASSERT(key && out);
    static const char what[] = "a dotted-quad IPv4 address string";
    const char *s = NULL;
    int rc = h_string(obj, path, key, required, what, &s, d);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        *out = def;
        return TXP_OK;
    }
    uint32_t a;
    if (txp_ipv4_addr_parse(s, &a) != TXP_OK) {
        char full[192];
        h_join(full, sizeof full, path, key);
        if (d)
            (void)txp_diag_set(d, 0, 0, "%s: expected %s, got \"%.64s\"", full, what, s);
        return TXP_EBADMSG;
    }
    *out = a;
    return TXP_OK;
}

int
txp_h_json_mac(const json_t *obj, const char *path, const char *key, int required,
               const uint8_t def[6], uint8_t out[6], struct txp_diag *d)
{
    TXP_ASSERT(key && out);
    static const char what[] = "a MAC address string aa:bb:cc:dd:ee:ff";
    const char *s = NULL;
    int rc = h_string(obj, path, key, required, what, &s, d);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        if (def)
            memcpy(out, def, 6);
        else
            memset(out, 0, 6);
        return TXP_OK;
    }
    uint8_t mac[TXP_ETH_ALEN];
    if (txp_eth_addr_parse(s, mac) != TXP_OK) {
        char full[192];
        h_join(full, sizeof full, path, key);
        if (d)
            (void)txp_diag_set(d, 0, 0, "%s: expected %s, got \"%.64s\"", full, what, s);
        return TXP_EBADMSG;
    }
    memcpy(out, mac, 6);
    return TXP_OK;
}

static int
h_hexval(char c)
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
txp_h_json_hex(const json_t *obj, const char *path, const char *key, int required, uint8_t *out,
               size_t cap, size_t *len, struct txp_diag *d)
{
    TXP_ASSERT(key && len && (out || cap == 0));
    static const char what[] = "a hex string";
    const char *s = NULL;
    *len = 0;
    int rc = h_string(obj, path, key, required, what, &s, d);
    if (rc <= 0)
        return rc < 0 ? rc : TXP_OK;
    char full[192];
    h_join(full, sizeof full, path, key);
    size_t n = 0;
    int hi = -1;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        int v = h_hexval(c);
        if (v < 0) {
            if (d)
                (void)txp_diag_set(d, 0, 0, "%s: expected %s, bad character '%c' at index %zu",
                                   full, what, c >= 0x20 && c < 0x7f ? c : '?', i);
            return TXP_EBADMSG;
        }
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= cap) {
            if (d)
                (void)txp_diag_set(d, 0, 0, "%s: more than %zu bytes", full, cap);
            return TXP_EBADMSG;
        }
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    if (hi >= 0) {
        if (d)
            (void)txp_diag_set(d, 0, 0, "%s: expected %s, odd number of hex digits", full, what);
        return TXP_EBADMSG;
    }
    *len = n;
    return TXP_OK;
}

int
txp_h_case_load(const char *dir, struct txp_h_case *c, struct txp_diag *d)
{
    TXP_ASSERT(dir && c);
    memset(c, 0, sizeof *c);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (dl + sizeof "/case.json" > sizeof c->json_path) {
        if (d) {
            txp_diag_init(d, NULL);
            (void)txp_diag_set(d, 0, 0, "case directory path too long (%zu bytes)", dl);
        }
        return TXP_EINVAL;
    }
    memcpy(c->dir_buf, dir, dl);
    c->dir_buf[dl] = '\0';
    memcpy(c->json_path, c->dir_buf, dl);
    memcpy(c->json_path + dl, "/case.json", sizeof "/case.json");
    const char *slash = strrchr(c->dir_buf, '/');
    c->dir = c->dir_buf;
    c->name = slash ? slash + 1 : c->dir_buf;
    if (d)
        txp_diag_init(d, c->json_path);

    FILE *probe = fopen(c->json_path, "rb");
    if (!probe) {
        if (d)
            (void)txp_diag_set(d, 0, 0, "cannot open: %s", strerror(errno));
        return TXP_EIO;
    }
    fclose(probe);

    json_error_t jerr;
    json_t *root = json_load_file(c->json_path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (d)
            (void)txp_diag_set(d, jerr.line > 0 ? (uint32_t)jerr.line : 0,
                               jerr.column > 0 ? (uint32_t)jerr.column : 0, "%s", jerr.text);
        return TXP_EBADMSG;
    }
    const char *comp = NULL, *desc = NULL, *link = NULL;
    int rc = TXP_EBADMSG;
    if (!json_is_object(root)) {
        if (d)
            (void)txp_diag_set(d, 0, 0, "expected a JSON object at the top, got %s",
                               txp_h_json_type_name(root));
        goto fail;
    }
    if (h_string(root, "", "component", 1, "a component name string", &comp, d) < 0 ||
        h_string(root, "", "description", 1, "a string", &desc, d) < 0 ||
        h_string(root, "", "link", 1, "\"ether\" or \"raw-ipv4\"", &link, d) < 0)
        goto fail;
    if (!comp[0]) {
        if (d)
            (void)txp_diag_set(d, 0, 0, "component: expected a component name, got \"\"");
        goto fail;
    }
    if (strcmp(link, "ether") == 0) {
        c->link = TXP_LINK_ETH;
    } else if (strcmp(link, "raw-ipv4") == 0) {
        c->link = TXP_LINK_RAW_IPV4;
    } else {
        if (d)
            (void)txp_diag_set(d, 0, 0, "link: expected \"ether\" or \"raw-ipv4\", got \"%.64s\"",
                               link);
        goto fail;
    }
    c->component = comp;
    c->json = root;
    return TXP_OK;
fail:
    json_decref(root);
    c->json = NULL;
    return rc;
}

void
txp_h_case_fini(struct txp_h_case *c)
{
    if (!c)
        return;
    if (c->json)
        json_decref(c->json);
    c->json = NULL;
    c->component = NULL;
}
