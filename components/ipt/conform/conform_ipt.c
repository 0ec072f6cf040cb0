/* SPDX-License-Identifier: MIT */
/*
 * Golden driver for components/ipt (case layout and golden encoding: pcaps/gen/ipt.py).
 *
 * Loads the case's ruleset with txp_ipt_parse, then runs every packet through the hooks the
 * case names ("output" = OUTPUT then, when accepted, POSTROUTING) with the metadata of the case
 * (devices, mark, socket owner, an explicit conntrack state or the minimal conntrack), and
 * emits for each packet the packet as the hooks left it and a report line, then the ruleset
 * with its counters as iptables-save -c prints it.
 *
 * The same packets also run through the compiled form (txp_ipt_compile on a clone of the
 * ruleset, txp_ipt_compiled_do_hook, its own conntrack): verdict, rewritten bytes, metadata and
 * the final counters must be identical to the interpreter's, else the driver fails naming the
 * packet and what differs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/csum.h"
#include "txpath/h_conform.h"
#include "txpath/ipt.h"

#define CI_PKT_MAX 2048u
#define CI_LINE_MAX 512u
#define CI_HOOKS_MAX 2u

/* One evaluation path: the interpreter or the compiled form, with its own conntrack. */
struct ci_path {
    struct txp_ipt_ruleset *rs;
    struct txp_ipt_compiled *comp; /* NULL: the interpreter */
    struct txp_ipt_ct *ct;
};

/* What one packet did on one path. */
struct ci_result {
    uint8_t pkt[CI_PKT_MAX];
    size_t len;
    struct txp_ipt_pktinfo info;
    struct txp_ipt_verdict v;
    enum txp_ipt_hook last_hook;
    uint8_t reroute;
    uint32_t logged;
};

/* Per-packet inputs read from case.json. */
struct ci_meta {
    const char *in_dev, *out_dev;
    uint32_t mark, uid, gid, ctmark, masq;
    uint64_t now_ns;
    uint8_t has_sock, explicit_ct, ctdir;
    uint16_t ctstate;
};

static const char *const ci_reject_names[] = {
    "icmp-net-unreachable",   "icmp-host-unreachable",
    "icmp-proto-unreachable", "icmp-port-unreachable",
    "icmp-echo-reply",        "icmp-net-prohibited",
    "icmp-host-prohibited",   "tcp-reset",
    "icmp-admin-prohibited",
};

static int
ci_hooks(const char *name, enum txp_ipt_hook *hooks, size_t *n)
{
    static const struct {
        const char *name;
        enum txp_ipt_hook h;
    } tab[] = {{"postrouting", TXP_IPT_POSTROUTING},
               {"prerouting", TXP_IPT_PREROUTING},
               {"input", TXP_IPT_INPUT},
               {"forward", TXP_IPT_FORWARD}};
    if (strcmp(name, "output") == 0) {
        hooks[0] = TXP_IPT_OUTPUT;
        hooks[1] = TXP_IPT_POSTROUTING;
        *n = 2;
        return TXP_OK;
    }
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (strcmp(name, tab[i].name) == 0) {
            hooks[0] = tab[i].h;
            *n = 1;
            return TXP_OK;
        }
    }
    return TXP_EINVAL;
}

static int
ci_ctstate(const char *s, uint16_t *bit)
{
    static const struct {
        const char *name;
        uint16_t bit;
    } tab[] = {{"new", TXP_IPT_CT_NEW},
               {"established", TXP_IPT_CT_ESTABLISHED},
               {"related", TXP_IPT_CT_RELATED},
               {"invalid", TXP_IPT_CT_INVALID},
               {"untracked", TXP_IPT_CT_UNTRACKED}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (strcmp(s, tab[i].name) == 0) {
            *bit = tab[i].bit;
            return TXP_OK;
        }
    }
    return TXP_EINVAL;
}

/* Optional string member @p key of @p obj; @p def when absent. */
static int
ci_str(const json_t *obj, const char *path, const char *key, const char *def, const char **out,
       struct txp_diag *d)
{
    const json_t *v = json_object_get(obj, key);
    *out = def; /* also on failure, so callers never read an unset pointer */
    if (!v)
        return TXP_OK;
    if (!json_is_string(v))
        return txp_diag_set(d, 0, 0, "%s.%s: expected a string, got %s", path, key,
                            txp_h_json_type_name(v));
    *out = json_string_value(v);
    return TXP_OK;
}

static int
ci_read_meta(const json_t *p, const char *path, const char *in_def, const char *out_def,
             uint32_t masq, struct ci_meta *m, struct txp_diag *d)
{
    int64_t v;
    const char *s;
    memset(m, 0, sizeof *m);
    m->masq = masq;
    if (ci_str(p, path, "in", in_def, &m->in_dev, d) < 0 ||
        ci_str(p, path, "out", out_def, &m->out_dev, d) < 0)
        return TXP_EBADMSG;
    if (txp_h_json_int(p, path, "mark", 0, UINT32_MAX, 0, 0, &v, d) < 0)
        return TXP_EBADMSG;
    m->mark = (uint32_t)v;
    if (txp_h_json_int(p, path, "now_ns", 0, INT64_MAX, 0, 0, &v, d) < 0)
        return TXP_EBADMSG;
    m->now_ns = (uint64_t)v;
    if (json_object_get(p, "uid")) {
        m->has_sock = 1;
        if (txp_h_json_int(p, path, "uid", 0, UINT32_MAX, 1, 0, &v, d) < 0)
            return TXP_EBADMSG;
        m->uid = (uint32_t)v;
        if (txp_h_json_int(p, path, "gid", 0, UINT32_MAX, 1, 0, &v, d) < 0)
            return TXP_EBADMSG;
        m->gid = (uint32_t)v;
    }
    if (ci_str(p, path, "ct", "auto", &s, d) < 0)
        return TXP_EBADMSG;
    if (strcmp(s, "auto") != 0) {
        m->explicit_ct = 1;
        if (ci_ctstate(s, &m->ctstate) != TXP_OK)
            return txp_diag_set(d, 0, 0,
                                "%s.ct: expected auto, new, established, related, invalid or "
                                "untracked",
                                path);
        if (ci_str(p, path, "ctdir", "original", &s, d) < 0)
            return TXP_EBADMSG;
        if (strcmp(s, "original") != 0 && strcmp(s, "reply") != 0)
            return txp_diag_set(d, 0, 0, "%s.ctdir: expected original or reply", path);
        m->ctdir = strcmp(s, "reply") == 0;
        if (txp_h_json_int(p, path, "ctmark", 0, UINT32_MAX, 0, 0, &v, d) < 0)
            return TXP_EBADMSG;
        m->ctmark = (uint32_t)v;
    }
    return TXP_OK;
}

/* Run one packet through the hooks on one path. */
static int
ci_run_packet(struct ci_path *pa, const enum txp_ipt_hook *hooks, size_t nh, const uint8_t *in,
              size_t len, const struct ci_meta *m, struct ci_result *r)
{
    memcpy(r->pkt, in, len);
    r->len = len;
    memset(&r->info, 0, sizeof r->info);
    memset(&r->v, 0, sizeof r->v);
    r->reroute = 0;
    r->logged = 0;
    struct txp_ipt_pktinfo *info = &r->info;
    info->in_dev = m->in_dev;
    info->out_dev = m->out_dev;
    info->mark = m->mark;
    info->has_sock = m->has_sock;
    info->uid = m->uid;
    info->gid = m->gid;
    info->masq_addr = m->masq;
    info->redirect_addr = 0x7F000001u;
    uint32_t flow = UINT32_MAX;
    if (m->explicit_ct) {
        info->ctstate = m->ctstate;
        info->ctdir = m->ctdir;
        info->ctmark = m->ctmark;
    } else {
        int rc = txp_ipt_ct_lookup(pa->ct, r->pkt, len, info, &flow);
        if (rc != TXP_OK && rc != TXP_ENOSPC)
            return rc;
    }
    struct txp_ipt_env env = {.now_ns = m->now_ns, .log = NULL, .log_ctx = NULL};
    for (size_t k = 0; k < nh; k++) {
        int rc = pa->comp
                     ? txp_ipt_compiled_do_hook(pa->comp, hooks[k], r->pkt, len, info, &env, &r->v)
                     : txp_ipt_do_hook(pa->rs, hooks[k], r->pkt, len, info, &env, &r->v);
        if (rc != TXP_OK)
            return rc;
        r->last_hook = hooks[k];
        r->logged += r->v.n_logged;
        if (hooks[k] == TXP_IPT_OUTPUT)
            r->reroute = r->v.reroute;
        if (r->v.verdict == TXP_IPT_V_DROP)
            break;
    }
    if (flow != UINT32_MAX)
        return txp_ipt_ct_confirm(pa->ct, flow, info, &r->v);
    return TXP_OK;
}

static void
ci_report(const struct txp_ipt_ruleset *rs, size_t i, const struct ci_result *r, char *line,
          size_t cap)
{
    if (r->v.verdict != TXP_IPT_V_DROP) {
        (void)snprintf(line, cap,
                       "%zu ACCEPT mark=0x%" PRIx32 " ctmark=0x%" PRIx32 " logged=%" PRIu32
                       " reroute=%u",
                       i, r->info.mark, r->info.ctmark, r->logged, (unsigned)(r->reroute != 0));
        return;
    }
    const char *tname = txp_ipt_table_name(r->v.table);
    const char *cname = txp_ipt_hook_name(r->last_hook);
    if (r->v.table < TXP_IPT_TABLE_COUNT && r->v.chain >= 0 &&
        (uint32_t)r->v.chain < rs->tables[r->v.table].n_chains)
        cname = rs->tables[r->v.table].chains[r->v.chain].name;
    char rule[16] = "policy";
    if (r->v.rule >= 0)
        (void)snprintf(rule, sizeof rule, "%" PRId32, r->v.rule);
    char rej[48] = "";
    if (r->v.rejected)
        (void)snprintf(rej, sizeof rej, " reject=%s",
                       r->v.reject_with < sizeof ci_reject_names / sizeof ci_reject_names[0]
                           ? ci_reject_names[r->v.reject_with]
                           : "?");
    (void)snprintf(line, cap,
                   "%zu DROP table=%s chain=%s rule=%s%s mark=0x%" PRIx32 " ctmark=0x%" PRIx32
                   " logged=%" PRIu32,
                   i, tname ? tname : "?", cname ? cname : "?", rule, rej, r->info.mark,
                   r->info.ctmark, r->logged);
}

/* Emit IPv4 127.0.0.1 -> 127.0.0.1, id @p id, ttl 64, UDP 7 -> 7 carrying @p text. */
static int
ci_emit_text(struct txp_h_emit *emit, uint64_t ts, uint16_t id, const char *text, size_t tl)
{
    size_t tot = 28 + tl;
    if (tot > 65535)
        return TXP_EMSGSIZE;
    uint8_t *b = calloc(1, tot);
    if (!b)
        return TXP_ENOMEM;
    b[0] = 0x45;
    b[2] = (uint8_t)(tot >> 8);
    b[3] = (uint8_t)tot;
    b[4] = (uint8_t)(id >> 8);
    b[5] = (uint8_t)id;
    b[8] = 64;
    b[9] = 17;
    b[12] = b[16] = 127;
    b[15] = b[19] = 1;
    uint16_t ck = txp_csum(b, 20);
    b[10] = (uint8_t)(ck >> 8);
    b[11] = (uint8_t)ck;
    b[21] = 7;
    b[23] = 7;
    b[24] = (uint8_t)((8 + tl) >> 8);
    b[25] = (uint8_t)(8 + tl);
    memcpy(b + 28, text, tl);
    uint32_t sum = txp_csum_pseudo_ipv4(0x7F000001u, 0x7F000001u, 17, (uint16_t)(8 + tl));
    uint16_t uc = txp_csum_fold(txp_csum_partial(b + 20, 8 + tl, sum));
    if (uc == 0)
        uc = 0xFFFF;
    b[26] = (uint8_t)(uc >> 8);
    b[27] = (uint8_t)uc;
    int rc = emit->fn(emit, ts, b, tot);
    free(b);
    return rc;
}

static char *
ci_save(const struct txp_ipt_ruleset *rs)
{
    struct txp_ipt_print_opts po = {.counters = 1, .comments = 0, .when = NULL};
    size_t n = txp_ipt_print(rs, &po, NULL, 0);
    char *s = malloc(n + 1);
    if (s)
        (void)txp_ipt_print(rs, &po, s, n + 1);
    return s;
}

/* Compare the compiled path's result with the interpreter's; fills @p d on a difference. */
static int
ci_compare(size_t i, const struct ci_result *a, const struct ci_result *b, struct txp_diag *d)
{
    const char *what = NULL;
    if (a->v.verdict != b->v.verdict || a->v.rejected != b->v.rejected ||
        a->v.reject_with != b->v.reject_with)
        what = "verdict";
    else if (a->v.verdict == TXP_IPT_V_DROP &&
             (a->v.table != b->v.table || a->v.chain != b->v.chain || a->v.rule != b->v.rule))
        what = "deciding rule";
    else if (a->len != b->len || memcmp(a->pkt, b->pkt, a->len) != 0)
        what = "rewritten packet";
    else if (a->info.mark != b->info.mark || a->info.ctmark != b->info.ctmark)
        what = "mark or ctmark";
    else if (a->logged != b->logged || a->reroute != b->reroute)
        what = "LOG count or reroute";
    if (!what)
        return TXP_OK;
    return txp_diag_set(d, 0, 0,
                        "packets[%zu]: the compiled path differs from the interpreter (%s): "
                        "verdict %u/%u table %d/%d chain %" PRId32 "/%" PRId32 " rule %" PRId32
                        "/%" PRId32,
                        i, what, (unsigned)a->v.verdict, (unsigned)b->v.verdict, (int)a->v.table,
                        (int)b->v.table, a->v.chain, b->v.chain, a->v.rule, b->v.rule);
}

static int
ci_run(const struct txp_h_case *c, struct txp_h_emit *emit, struct txp_diag *d)
{
    const json_t *rules = json_object_get(c->json, "rules");
    const json_t *pkts = json_object_get(c->json, "packets");
    const char *hook_name, *in_def, *out_def;
    int64_t counters;
    uint32_t masq;
    enum txp_ipt_hook hooks[CI_HOOKS_MAX];
    size_t nh = 0;
    if (!json_is_string(rules))
        return txp_diag_set(d, 0, 0, "rules: expected the ruleset text");
    if (!json_is_array(pkts))
        return txp_diag_set(d, 0, 0, "packets: expected an array");
    if (ci_str(c->json, "case", "hook", "output", &hook_name, d) < 0 ||
        ci_str(c->json, "case", "in", "", &in_def, d) < 0 ||
        ci_str(c->json, "case", "out", "", &out_def, d) < 0 ||
        txp_h_json_int(c->json, "case", "restore_counters", 0, 1, 0, 0, &counters, d) < 0 ||
        txp_h_json_ipv4(c->json, "case", "masq_addr", 0, 0, &masq, d) < 0)
        return TXP_EBADMSG;
    if (ci_hooks(hook_name, hooks, &nh) != TXP_OK)
        return txp_diag_set(d, 0, 0,
                            "hook: expected output, postrouting, prerouting, input or forward");

    struct txp_ipt_ruleset rs, rs2;
    memset(&rs2, 0, sizeof rs2);
    if (txp_ipt_ruleset_init(&rs) != TXP_OK)
        return txp_diag_set(d, 0, 0, "out of memory");
    struct txp_ipt_parse_opts po = {.counters = (int)counters};
    struct txp_diag pd;
    txp_diag_init(&pd, "rules");
    int rc = txp_ipt_parse(&rs, json_string_value(rules), json_string_length(rules), &po, &pd);
    if (rc != TXP_OK) {
        txp_ipt_ruleset_fini(&rs);
        return txp_diag_set(d, 0, 0, "rules line %u column %u: %s", (unsigned)pd.line,
                            (unsigned)pd.column, pd.msg);
    }
    struct ci_path pi = {.rs = &rs, .comp = NULL, .ct = NULL};
    struct ci_path pc = {.rs = &rs2, .comp = NULL, .ct = NULL};
    struct ci_result *ra = malloc(sizeof *ra), *rb = malloc(sizeof *rb);
    char *sa = NULL, *sb = NULL;
    if (!ra || !rb || txp_ipt_ruleset_clone(&rs2, &rs) != TXP_OK ||
        txp_ipt_compile(&rs2, &pc.comp) != TXP_OK || txp_ipt_ct_new(4096, &pi.ct) != TXP_OK ||
        txp_ipt_ct_new(4096, &pc.ct) != TXP_OK) {
        rc = txp_diag_set(d, 0, 0, "out of memory");
        goto out;
    }
    uint8_t in[CI_PKT_MAX];
    uint64_t rec = 0;
    size_t np = json_array_size(pkts);
    for (size_t i = 0; i < np; i++) {
        char path[32];
        (void)snprintf(path, sizeof path, "packets[%zu]", i);
        const json_t *p = json_array_get(pkts, i);
        size_t len;
        struct ci_meta m;
        if ((rc = txp_h_json_hex(p, path, "hex", 1, in, sizeof in, &len, d)) < 0 ||
            (rc = ci_read_meta(p, path, in_def, out_def, masq, &m, d)) < 0)
            goto out;
        if ((rc = ci_run_packet(&pi, hooks, nh, in, len, &m, ra)) != TXP_OK) {
            rc = txp_diag_set(d, 0, 0, "%s: the interpreter failed: %s", path, txp_errname(rc));
            goto out;
        }
        if ((rc = ci_run_packet(&pc, hooks, nh, in, len, &m, rb)) != TXP_OK) {
            rc = txp_diag_set(d, 0, 0, "%s: the compiled path failed: %s", path, txp_errname(rc));
            goto out;
        }
        if ((rc = ci_compare(i, ra, rb, d)) != TXP_OK)
            goto out;
        char line[CI_LINE_MAX];
        ci_report(&rs, i, ra, line, sizeof line);
        if ((rc = emit->fn(emit, rec++ * 1000000u, ra->pkt, ra->len)) != TXP_OK ||
            (rc = ci_emit_text(emit, rec++ * 1000000u, (uint16_t)i, line, strlen(line))) != TXP_OK)
            goto out;
    }
    sa = ci_save(&rs);
    sb = ci_save(&rs2);
    if (!sa || !sb) {
        rc = txp_diag_set(d, 0, 0, "out of memory");
        goto out;
    }
    if (strcmp(sa, sb) != 0) {
        rc = txp_diag_set(d, 0, 0, "the compiled path's counters differ from the interpreter's");
        goto out;
    }
    rc = ci_emit_text(emit, rec * 1000000u, (uint16_t)np, sa, strlen(sa));
out:
    free(sa);
    free(sb);
    free(ra);
    free(rb);
    txp_ipt_ct_free(pi.ct);
    txp_ipt_ct_free(pc.ct);
    txp_ipt_compiled_free(pc.comp);
    txp_ipt_ruleset_fini(&rs2);
    txp_ipt_ruleset_fini(&rs);
    return rc;
}

const struct txp_h_conform_driver txp_h_conform_driver_ipt = {
    .component = "ipt",
    .run = ci_run,
};
