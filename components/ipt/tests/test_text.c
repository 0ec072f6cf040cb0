/* SPDX-License-Identifier: MIT */
/*
 * CUnit tests of the ipt text layer: iptables-restore parsing (tables, chains, rules, implicit
 * matches, '!' placement, counters), rejections with line and column, iptables-save printing
 * (canonical forms observed from iptables-save v1.8.9 nf_tables after iptables-restore of the
 * same input, see kernel/save.sh), and parse -> print -> parse fixed points.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txpath/h_cunit.h"
#include "txpath/ipt.h"

/* ---- helpers ---- */

static int
parse_text(struct txp_ipt_ruleset *rs, const char *text, int counters, struct txp_diag *d)
{
    struct txp_ipt_parse_opts po = {counters};
    txp_diag_init(d, "test");
    CU_ASSERT_FATAL(txp_ipt_ruleset_init(rs) == TXP_OK);
    return txp_ipt_parse(rs, text, strlen(text), &po, d);
}

static char *
print_text(const struct txp_ipt_ruleset *rs, int counters)
{
    struct txp_ipt_print_opts po = {counters, 0, NULL};
    size_t n = txp_ipt_print(rs, &po, NULL, 0);
    char *buf = malloc(n + 1);
    CU_ASSERT_FATAL(buf != NULL);
    CU_ASSERT_EQUAL(txp_ipt_print(rs, &po, buf, n + 1), n);
    return buf;
}

/* Parse @p in, print, compare with @p want; then check the printed text is a fixed point. */
static void
check_save(const char *in, int counters, const char *want)
{
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    int rc = parse_text(&rs, in, counters, &d);
    if (rc != TXP_OK)
        fprintf(stderr, "\nparse failed: line %u col %u: %s\n", (unsigned)d.line,
                (unsigned)d.column, d.msg);
    CU_ASSERT_EQUAL_FATAL(rc, TXP_OK);
    char *got = print_text(&rs, counters);
    if (strcmp(got, want))
        fprintf(stderr, "\n--- want\n%s--- got\n%s---\n", want, got);
    CU_ASSERT_STRING_EQUAL(got, want);
    struct txp_ipt_ruleset rs2;
    CU_ASSERT_EQUAL_FATAL(parse_text(&rs2, got, counters, &d), TXP_OK);
    char *again = print_text(&rs2, counters);
    CU_ASSERT_STRING_EQUAL(again, got);
    free(again);
    free(got);
    txp_ipt_ruleset_fini(&rs2);
    txp_ipt_ruleset_fini(&rs);
}

/* One filter rule: its saved -A line must be @p want. */
static void
check_rule(const char *rule, const char *want)
{
    char in[1024], out[1024];
    snprintf(in, sizeof in, "*filter\n%s\nCOMMIT\n", rule);
    snprintf(out, sizeof out,
             "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n%s\n"
             "COMMIT\n",
             want);
    check_save(in, 0, out);
}

/* As check_rule in another table (its built-in chains listed by the caller). */
static void
check_rule_in(const char *table, const char *chains, const char *rule, const char *want)
{
    char in[1024], out[1024];
    snprintf(in, sizeof in, "*%s\n%s\nCOMMIT\n", table, rule);
    snprintf(out, sizeof out, "*%s\n%s%s\nCOMMIT\n", table, chains, want);
    check_save(in, 0, out);
}

static void
check_err(const char *in, int want_rc, uint32_t line, uint32_t col, const char *substr)
{
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    int rc = parse_text(&rs, in, 0, &d);
    if (rc != want_rc || d.line != line || d.column != col || !strstr(d.msg, substr))
        fprintf(stderr, "\ninput %s\n-> rc %d line %u col %u: %s\n", in, rc, (unsigned)d.line,
                (unsigned)d.column, d.msg);
    CU_ASSERT_EQUAL(rc, want_rc);
    CU_ASSERT_EQUAL(d.line, line);
    CU_ASSERT_EQUAL(d.column, col);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, substr));
    for (int t = 0; t < TXP_IPT_TABLE_COUNT; t++)
        CU_ASSERT_EQUAL(rs.tables[t].present, 0);
    txp_ipt_ruleset_fini(&rs);
}

static const char *const MANGLE_CHAINS = ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
                                         ":FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                                         ":POSTROUTING ACCEPT [0:0]\n";
static const char *const NAT_CHAINS = ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
                                      ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n";
static const char *const RAW_CHAINS = ":PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";

/* ---- the model ---- */

static void
test_names(void)
{
    CU_ASSERT_STRING_EQUAL(txp_ipt_table_name(TXP_IPT_SECURITY), "security");
    CU_ASSERT_PTR_NULL(txp_ipt_table_name(TXP_IPT_TABLE_COUNT));
    CU_ASSERT_STRING_EQUAL(txp_ipt_hook_name(TXP_IPT_POSTROUTING), "POSTROUTING");
    CU_ASSERT_PTR_NULL(txp_ipt_hook_name(TXP_IPT_HOOK_COUNT));
    CU_ASSERT_EQUAL(txp_ipt_table_hooks(TXP_IPT_RAW),
                    (1u << TXP_IPT_PREROUTING) | (1u << TXP_IPT_OUTPUT));
    CU_ASSERT_EQUAL(txp_ipt_table_hooks(TXP_IPT_NAT), 0x1Bu);
    CU_ASSERT_EQUAL(txp_ipt_table_hooks(TXP_IPT_MANGLE), 0x1Fu);
    CU_ASSERT_STRING_EQUAL(txp_ipt_match_name(TXP_IPT_M_MULTIPORT), "multiport");
    CU_ASSERT_STRING_EQUAL(txp_ipt_match_name(TXP_IPT_M_MAC), "mac");
    CU_ASSERT_PTR_NULL(txp_ipt_match_name((enum txp_ipt_match_kind)0));
    CU_ASSERT_PTR_NULL(txp_ipt_match_name((enum txp_ipt_match_kind)99));
}

static void
test_init_clone_zero(void)
{
    struct txp_ipt_ruleset rs, cp;
    CU_ASSERT_EQUAL_FATAL(txp_ipt_ruleset_init(&rs), TXP_OK);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_FILTER].n_chains, 3);
    CU_ASSERT_STRING_EQUAL(rs.tables[TXP_IPT_FILTER].chains[0].name, "INPUT");
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_FILTER].chains[2].hook, TXP_IPT_OUTPUT);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_FILTER].chains[2].policy, TXP_IPT_T_ACCEPT);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_MANGLE].n_chains, 5);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_RAW].present, 0);
    txp_ipt_ruleset_fini(&rs);

    struct txp_diag d;
    CU_ASSERT_EQUAL_FATAL(parse_text(&rs,
                                     "*filter\n:OUTPUT DROP [5:500]\n:u - [0:0]\n"
                                     "[7:700] -A OUTPUT -p tcp --dport 22 -j u\n[1:2] -A u\n"
                                     "COMMIT\n",
                                     1, &d),
                          TXP_OK);
    const struct txp_ipt_table *f = &rs.tables[TXP_IPT_FILTER];
    CU_ASSERT_EQUAL(f->present, 1);
    CU_ASSERT_EQUAL(txp_ipt_chain_find(f, "u"), 3);
    CU_ASSERT_EQUAL(txp_ipt_chain_find(f, "OUTPUT"), 2);
    CU_ASSERT_EQUAL(txp_ipt_chain_find(f, "nope"), -1);
    CU_ASSERT_EQUAL(f->chains[2].cnt.pkts, 5);
    CU_ASSERT_EQUAL(f->chains[2].rules[0].cnt.bytes, 700);
    CU_ASSERT_EQUAL(f->chains[2].rules[0].line, 4);
    CU_ASSERT_EQUAL(f->chains[2].rules[0].target.kind, TXP_IPT_T_JUMP);
    CU_ASSERT_EQUAL(f->chains[2].rules[0].target.chain, 3);
    CU_ASSERT_EQUAL_FATAL(txp_ipt_ruleset_clone(&cp, &rs), TXP_OK);
    txp_ipt_ruleset_zero_counters(&rs);
    CU_ASSERT_EQUAL(f->chains[2].cnt.pkts, 0);
    CU_ASSERT_EQUAL(f->chains[2].rules[0].cnt.pkts, 0);
    CU_ASSERT_EQUAL(f->chains[3].rules[0].cnt.bytes, 0);
    const struct txp_ipt_table *g = &cp.tables[TXP_IPT_FILTER];
    CU_ASSERT_EQUAL(g->chains[2].rules[0].cnt.pkts, 7);
    CU_ASSERT_EQUAL(g->chains[2].rules[0].n_matches, 1);
    CU_ASSERT_PTR_NOT_EQUAL(g->chains[2].rules[0].matches, f->chains[2].rules[0].matches);
    CU_ASSERT_EQUAL(g->chains[2].rules[0].matches[0].u.tcpudp.dpts[0], 22);
    txp_ipt_ruleset_fini(&cp);
    txp_ipt_ruleset_fini(&rs);
    txp_ipt_ruleset_fini(&rs); /* a finished ruleset can be finished again */
}

/* ---- parsing into the model ---- */

static void
test_parse_ip_part(void)
{
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    CU_ASSERT_EQUAL_FATAL(
        parse_text(&rs,
                   "*filter\n"
                   "-A OUTPUT ! -s 10.200.0.0/255.255.0.255 -d 1.2.3.4/24 ! -o eth+ -p 17 -f\n"
                   "-A INPUT -i eth0 ! -p tcp ! -f\n"
                   "COMMIT\n",
                   0, &d),
        TXP_OK);
    const struct txp_ipt_rule *r = &rs.tables[TXP_IPT_FILTER].chains[2].rules[0];
    CU_ASSERT_EQUAL(r->ip.src, 0x0AC80000u);
    CU_ASSERT_EQUAL(r->ip.smsk, 0xFFFF00FFu);
    CU_ASSERT_EQUAL(r->ip.dst, 0x01020300u);
    CU_ASSERT_EQUAL(r->ip.dmsk, 0xFFFFFF00u);
    CU_ASSERT_STRING_EQUAL(r->ip.outiface, "eth+");
    CU_ASSERT_EQUAL(r->ip.outiface_mask[2], 0xFF);
    CU_ASSERT_EQUAL(r->ip.outiface_mask[3], 0);
    CU_ASSERT_EQUAL(r->ip.proto, 17);
    CU_ASSERT_EQUAL(r->ip.flags, TXP_IPT_F_FRAG);
    CU_ASSERT_EQUAL(r->ip.invflags, TXP_IPT_INV_SRCIP | TXP_IPT_INV_VIA_OUT);
    CU_ASSERT_EQUAL(r->target.kind, TXP_IPT_T_NONE);
    r = &rs.tables[TXP_IPT_FILTER].chains[0].rules[0];
    CU_ASSERT_EQUAL(r->ip.iniface_mask[4], 0xFF); /* exact name: the NUL is compared too */
    CU_ASSERT_EQUAL(r->ip.iniface_mask[5], 0);
    CU_ASSERT_EQUAL(r->ip.invflags, TXP_IPT_INV_PROTO | TXP_IPT_INV_FRAG);
    txp_ipt_ruleset_fini(&rs);
}

static void
test_parse_implicit_and_order(void)
{
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    CU_ASSERT_EQUAL_FATAL(
        parse_text(&rs,
                   "*filter\n"
                   "-A OUTPUT -p tcp --dport 80 -m comment --comment x --sport 5 -j ACCEPT\n"
                   "-A OUTPUT -m comment --comment y -p tcp --syn\n"
                   "-A OUTPUT -p 6 -m tcp --dport 1 -m tcp ! --tcp-option 2\n"
                   "COMMIT\n",
                   0, &d),
        TXP_OK);
    const struct txp_ipt_chain *c = &rs.tables[TXP_IPT_FILTER].chains[2];
    CU_ASSERT_EQUAL_FATAL(c->n_rules, 3);
    CU_ASSERT_EQUAL_FATAL(c->rules[0].n_matches, 2);
    CU_ASSERT_EQUAL(c->rules[0].matches[0].kind, TXP_IPT_M_TCP);
    CU_ASSERT_EQUAL(c->rules[0].matches[0].u.tcpudp.spts[0], 5);
    CU_ASSERT_EQUAL(c->rules[0].matches[0].u.tcpudp.spts[1], 5);
    CU_ASSERT_EQUAL(c->rules[0].matches[0].u.tcpudp.dpts[0], 80);
    CU_ASSERT_EQUAL(c->rules[0].matches[1].kind, TXP_IPT_M_COMMENT);
    CU_ASSERT_EQUAL(c->rules[1].matches[0].kind, TXP_IPT_M_COMMENT);
    CU_ASSERT_EQUAL(c->rules[1].matches[1].kind, TXP_IPT_M_TCP);
    CU_ASSERT_EQUAL(c->rules[1].matches[1].u.tcpudp.flg_mask, 0x17);
    CU_ASSERT_EQUAL(c->rules[1].matches[1].u.tcpudp.flg_cmp, 0x02);
    CU_ASSERT_EQUAL_FATAL(c->rules[2].n_matches, 2); /* two -m tcp are two matches */
    CU_ASSERT_EQUAL(c->rules[2].matches[0].u.tcpudp.dpts[0], 1);
    CU_ASSERT_EQUAL(c->rules[2].matches[1].u.tcpudp.option, 2);
    CU_ASSERT_EQUAL(c->rules[2].matches[1].u.tcpudp.invflags, 0x08);
    txp_ipt_ruleset_fini(&rs);
}

static void
test_parse_nft_payload_forms(void)
{
    /* what iptables-nft cannot express as payload matches is dropped, as the kernel then
     * never checks it: "! --sport 0:65535" matches every packet there */
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    CU_ASSERT_EQUAL_FATAL(parse_text(&rs,
                                     "*filter\n-A OUTPUT -p tcp ! --sport 0:65535\n"
                                     "-A OUTPUT -p tcp ! --dport 0:65535 --sport 5\n"
                                     "-A OUTPUT -p tcp --tcp-flags NONE SYN\n"
                                     "-A OUTPUT -p tcp -m tcp\nCOMMIT\n",
                                     0, &d),
                          TXP_OK);
    const struct txp_ipt_chain *c = &rs.tables[TXP_IPT_FILTER].chains[2];
    CU_ASSERT_EQUAL(c->rules[0].n_matches, 0);
    CU_ASSERT_EQUAL_FATAL(c->rules[1].n_matches, 1);
    CU_ASSERT_EQUAL(c->rules[1].matches[0].u.tcpudp.invflags, 0);
    CU_ASSERT_EQUAL(c->rules[1].matches[0].u.tcpudp.spts[0], 5);
    CU_ASSERT_EQUAL(c->rules[2].n_matches, 0);
    CU_ASSERT_EQUAL(c->rules[3].n_matches, 1); /* all defaults: kept as an xt match */
    txp_ipt_ruleset_fini(&rs);
}

static void
test_parse_abbreviations_and_addresses(void)
{
    check_rule("-A OUTPUT -p tcp --so 1.2.3.4 --dpo 80",
               "-A OUTPUT -s 1.2.3.4/32 -p tcp -m tcp --dport 80");
    check_rule("-A OUTPUT --proto tcp --sp 5", "-A OUTPUT -p tcp -m tcp --sport 5");
    check_rule("-A OUTPUT -m comment --comm x -j LOG --log-p y",
               "-A OUTPUT -m comment --comment x -j LOG --log-prefix y");
    check_rule("-A OUTPUT -s 0x0a.0.0.1/0x18 -d 10.0.0.1/024",
               "-A OUTPUT -s 10.0.0.0/24 -d 10.0.0.0/20");
    check_rule("-A OUTPUT -s 010.0.0.1 -d 1.2.3", "-A OUTPUT -s 8.0.0.1/32 -d 1.2.3.0/32");
    check_err("*filter\n-A OUTPUT --s 1.2.3.4\nCOMMIT\n", TXP_EBADMSG, 2, 11,
              "option `--s' is ambiguous");
    /* after the implicit tcp load --so is both --source and --source-port */
    check_err("*filter\n-A OUTPUT -p tcp --dpo 80 --so 1.2.3.4\nCOMMIT\n", TXP_EBADMSG, 2, 27,
              "option `--so' is ambiguous");
    check_err("*filter\n-A OUTPUT -s 10.0.0.1/08\nCOMMIT\n", TXP_EBADMSG, 2, 14, "host/network");
}

static void
test_parse_commands_and_lists(void)
{
    check_save("*filter\n-N foo\n-A foo -j ACCEPT\n-P OUTPUT DROP\n-A OUTPUT -c 5 6 -j foo\n"
               "-N bar\n-A bar -j DROP\n-F bar\n-X bar\n-N baz\n-A baz -j RETURN\n-F baz\n"
               "-A OUTPUT -s 1.1.1.1,2.2.2.2/24 -d 3.3.3.3,4.4.4.4 -j ACCEPT\n"
               "-I OUTPUT -s 5.5.5.5,6.6.6.6 -j DROP\n-A baz -j foo\nCOMMIT\n",
               1,
               "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT DROP [0:0]\n"
               ":baz - [0:0]\n:foo - [0:0]\n"
               "[0:0] -A OUTPUT -s 6.6.6.6/32 -j DROP\n[0:0] -A OUTPUT -s 5.5.5.5/32 -j DROP\n"
               "[5:6] -A OUTPUT -j foo\n"
               "[0:0] -A OUTPUT -s 1.1.1.1/32 -d 3.3.3.3/32 -j ACCEPT\n"
               "[0:0] -A OUTPUT -s 1.1.1.1/32 -d 4.4.4.4/32 -j ACCEPT\n"
               "[0:0] -A OUTPUT -s 2.2.2.0/24 -d 3.3.3.3/32 -j ACCEPT\n"
               "[0:0] -A OUTPUT -s 2.2.2.0/24 -d 4.4.4.4/32 -j ACCEPT\n"
               "[0:0] -A baz -j foo\n[0:0] -A foo -j ACCEPT\nCOMMIT\n");
    check_err("*filter\n-A OUTPUT ! -s 1.1.1.1,2.2.2.2\nCOMMIT\n", TXP_EBADMSG, 2, 1,
              "! not allowed with multiple");
    check_err("*filter\n-A OUTPUT -s 1.1.1.1,\nCOMMIT\n", TXP_EBADMSG, 2, 14, "host/network `'");
    check_err("*filter\n-N foo\n-N foo\nCOMMIT\n", TXP_EBADMSG, 3, 4, "Chain already exists");
    check_err("*filter\n-N foo\n-A OUTPUT -j foo\n-X foo\nCOMMIT\n", TXP_EBADMSG, 4, 4,
              "still jumped to");
    check_err("*filter\n-P foo DROP\nCOMMIT\n", TXP_EBADMSG, 2, 4, "does not exist");
    check_err("*filter\n-P OUTPUT RETURN\nCOMMIT\n", TXP_EBADMSG, 2, 11, "Bad policy name");
    check_err("*filter\n-N foo bar\nCOMMIT\n", TXP_EBADMSG, 2, 8, "Bad argument `bar'");
    check_err("*filter\n-A OUTPUT -c 1 x\nCOMMIT\n", TXP_EBADMSG, 2, 16, "byte counter");
}

static void
test_parse_quotes_and_blank(void)
{
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    CU_ASSERT_EQUAL_FATAL(parse_text(&rs,
                                     "# a comment\n\n*filter\n"
                                     "-A  OUTPUT\t-m comment --comment \"a \\\"q\\\" b\"  \n"
                                     "-A OUTPUT -m comment --comment \"\"\n"
                                     "#x\nCOMMIT\n",
                                     0, &d),
                          TXP_OK);
    const struct txp_ipt_chain *c = &rs.tables[TXP_IPT_FILTER].chains[2];
    CU_ASSERT_EQUAL_FATAL(c->n_rules, 2);
    CU_ASSERT_STRING_EQUAL(c->rules[0].matches[0].u.comment.text, "a \"q\" b");
    CU_ASSERT_STRING_EQUAL(c->rules[1].matches[0].u.comment.text, "");
    txp_ipt_ruleset_fini(&rs);
}

static void
test_parse_insert_and_flush(void)
{
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    CU_ASSERT_EQUAL_FATAL(parse_text(&rs,
                                     "*filter\n-A OUTPUT -j DROP\nCOMMIT\n*filter\n"
                                     "-A OUTPUT -j ACCEPT\n-I OUTPUT -j DROP\n-I OUTPUT 2 -j "
                                     "RETURN\nCOMMIT\n",
                                     0, &d),
                          TXP_OK);
    const struct txp_ipt_chain *c = &rs.tables[TXP_IPT_FILTER].chains[2];
    CU_ASSERT_EQUAL_FATAL(c->n_rules, 3); /* the second *filter flushed the first */
    CU_ASSERT_EQUAL(c->rules[0].target.kind, TXP_IPT_T_DROP);
    CU_ASSERT_EQUAL(c->rules[1].target.kind, TXP_IPT_T_RETURN);
    CU_ASSERT_EQUAL(c->rules[2].target.kind, TXP_IPT_T_ACCEPT);
    CU_ASSERT_EQUAL(c->rules[2].line, 5);
    /* a second parse replaces only the tables it names */
    struct txp_ipt_parse_opts po = {0};
    const char *more = "*nat\n-A OUTPUT -j ACCEPT\nCOMMIT\n";
    CU_ASSERT_EQUAL(txp_ipt_parse(&rs, more, strlen(more), &po, &d), TXP_OK);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_FILTER].chains[2].n_rules, 3);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_NAT].present, 1);
    /* a failing parse leaves the ruleset as it was */
    const char *bad = "*filter\n-A OUTPUT -j DROP\nCOMMIT\n*nat\n-A OUTPUT -j NOPE\nCOMMIT\n";
    CU_ASSERT_EQUAL(txp_ipt_parse(&rs, bad, strlen(bad), &po, &d), TXP_EBADMSG);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_FILTER].chains[2].n_rules, 3);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_NAT].chains[2].n_rules, 1);
    txp_ipt_ruleset_fini(&rs);
}

static void
test_parse_empty_table_absent(void)
{
    /* iptables-nft creates a table only when its section names a chain or adds a rule */
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    CU_ASSERT_EQUAL_FATAL(parse_text(&rs,
                                     "*raw\nCOMMIT\n*nat\n:POSTROUTING ACCEPT [0:0]\n"
                                     "COMMIT\n",
                                     0, &d),
                          TXP_OK);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_RAW].present, 0);
    CU_ASSERT_EQUAL(rs.tables[TXP_IPT_NAT].present, 1);
    char *s = print_text(&rs, 0);
    CU_ASSERT_STRING_EQUAL(s, "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
                              ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n");
    free(s);
    txp_ipt_ruleset_fini(&rs);
}

/* ---- printing: the canonical forms iptables-save prints ---- */

static void
test_save_ip_part(void)
{
    check_rule("-A OUTPUT -s 10.0.0.0/8 -d 192.168.1.1 -j DROP",
               "-A OUTPUT -s 10.0.0.0/8 -d 192.168.1.1/32 -j DROP");
    check_rule("-A OUTPUT ! -s 10.200.0.0/255.255.0.255 ! -d 1.2.3.4/24 -o eth+ -j DROP",
               "-A OUTPUT ! -s 10.200.0.0/255.255.0.255 ! -d 1.2.3.0/24 -o eth+ -j DROP");
    check_rule("-A OUTPUT -o + -j DROP", "-A OUTPUT -j DROP");
    check_rule("-A OUTPUT ! -o +", "-A OUTPUT ! -o +");
    check_rule("-A OUTPUT ! -o lo -p 17 -j DROP", "-A OUTPUT ! -o lo -p udp -j DROP");
    check_rule("-A OUTPUT ! -p tcp -f -j DROP", "-A OUTPUT ! -p tcp -f -j DROP");
    check_rule("-A OUTPUT ! -f", "-A OUTPUT ! -f");
    check_rule("-A OUTPUT -d 10.1", "-A OUTPUT -d 10.1.0.0/32");
    check_rule("-A OUTPUT -s 1.2.3.4/0", "-A OUTPUT");
    check_rule("-A OUTPUT -p 47", "-A OUTPUT -p gre");
    check_rule("-A OUTPUT -p 255", "-A OUTPUT -p 255");
    check_rule("-A OUTPUT -p all", "-A OUTPUT");
    check_rule("-A OUTPUT -p TCP --sport 0:65535 -j ACCEPT", "-A OUTPUT -p tcp -m tcp -j ACCEPT");
    check_rule("-A OUTPUT --source 1.1.1.1 --destination 2.2.2.2 --protocol udp "
               "--out-interface y --jump ACCEPT",
               "-A OUTPUT -s 1.1.1.1/32 -d 2.2.2.2/32 -o y -p udp -j ACCEPT");
}

static void
test_save_tcp_udp_icmp(void)
{
    check_rule("-A OUTPUT -p tcp --dport 80 -j ACCEPT",
               "-A OUTPUT -p tcp -m tcp --dport 80 -j ACCEPT");
    check_rule("-A OUTPUT -p tcp --syn", "-A OUTPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN");
    check_rule("-A OUTPUT -p udp --sport 1000:2000 ! --dport 53",
               "-A OUTPUT -p udp -m udp --sport 1000:2000 ! --dport 53");
    check_rule("-A OUTPUT -p tcp --sport :100 --dport 100:",
               "-A OUTPUT -p tcp -m tcp --sport 0:100 --dport 100:65535");
    check_rule("-A OUTPUT -p tcp --dport 5:5", "-A OUTPUT -p tcp -m tcp --dport 5");
    check_rule("-A OUTPUT -p tcp --dport http", "-A OUTPUT -p tcp -m tcp --dport 80");
    check_rule("-A OUTPUT -p tcp --tcp-flags ALL NONE -j DROP",
               "-A OUTPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE -j DROP");
    check_rule("-A OUTPUT -p tcp ! --tcp-flags SYN,ACK,URG,PSH ACK",
               "-A OUTPUT -p tcp -m tcp ! --tcp-flags SYN,PSH,ACK,URG ACK");
    check_rule("-A OUTPUT -p tcp ! --tcp-option 8 --sport 5",
               "-A OUTPUT -p tcp -m tcp --sport 5 ! --tcp-option 8");
    check_rule("-A OUTPUT -p tcp --dport 80 -m comment --comment x --sport 5 -j ACCEPT",
               "-A OUTPUT -p tcp -m tcp --sport 5 --dport 80 -m comment --comment x -j ACCEPT");
    check_rule("-A OUTPUT -m comment --comment x -p tcp --dport 80 -j ACCEPT",
               "-A OUTPUT -p tcp -m comment --comment x -m tcp --dport 80 -j ACCEPT");
    check_rule("-A OUTPUT -m tcp -p tcp", "-A OUTPUT -p tcp -m tcp");
    /* iptables-nft shows the "native" tcp/udp matches of a rule as one (last field wins) */
    check_rule("-A OUTPUT -p udp -m udp --dport 1 -m udp --dport 2",
               "-A OUTPUT -p udp -m udp --dport 2");
    check_rule("-A OUTPUT -p tcp --dport 1 -m tcp --dport 2 -m tcp --tcp-flags SYN SYN",
               "-A OUTPUT -p tcp -m tcp --dport 2 --tcp-flags SYN SYN");
    check_rule("-A OUTPUT -p tcp --tcp-flags SYN SYN -m comment --comment x -m tcp "
               "--tcp-flags ACK ACK",
               "-A OUTPUT -p tcp -m tcp --tcp-flags ACK ACK -m comment --comment x");
    check_rule("-A OUTPUT -p tcp --tcp-option 5 -m comment --comment x -m tcp --dport 7",
               "-A OUTPUT -p tcp -m tcp --tcp-option 5 -m comment --comment x -m tcp --dport 7");
    check_rule("-A OUTPUT -p tcp -m tcp --dport 7 -m comment --comment x -m tcp --tcp-option 5",
               "-A OUTPUT -p tcp -m tcp --dport 7 -m comment --comment x -m tcp --tcp-option 5");
    check_rule("-A OUTPUT -p udp -m udp --dport 1 -m udp ! --dport 2",
               "-A OUTPUT -p udp -m udp ! --dport 2");
    check_rule("-A OUTPUT ! -p tcp --dport 80", "-A OUTPUT ! -p tcp -m tcp --dport 80");
    check_rule("-A OUTPUT -p tcp -m tcp ! --tcp-flags SYN NONE -m tcp --tcp-flags ACK ACK",
               "-A OUTPUT -p tcp -m tcp ! --tcp-flags ACK ACK");
    check_rule("-A OUTPUT -p udp --dport 8 -m udp ! --sport 6 -m udp ! --dport 7",
               "-A OUTPUT -p udp -m udp ! --sport 6 ! --dport 7");
    check_rule("-A OUTPUT -p tcp -m tcp --tcp-flags NONE NONE", "-A OUTPUT -p tcp -m tcp");
    check_rule("-A OUTPUT -p tcp ! --tcp-option 3 ! --sport 0:65535",
               "-A OUTPUT -p tcp -m tcp ! --tcp-option 3");
    check_rule("-A OUTPUT -p icmp --icmp-type echo-request",
               "-A OUTPUT -p icmp -m icmp --icmp-type 8");
    check_rule("-A OUTPUT -p icmp --icmp-type 3/4", "-A OUTPUT -p icmp -m icmp --icmp-type 3/4");
    check_rule("-A OUTPUT -p icmp ! --icmp-type any",
               "-A OUTPUT -p icmp -m icmp ! --icmp-type any");
    check_rule("-A OUTPUT -p icmp --icmp-type 255", "-A OUTPUT -p icmp -m icmp --icmp-type any");
    check_rule("-A OUTPUT -p icmp --icmp-type port-unreachable",
               "-A OUTPUT -p icmp -m icmp --icmp-type 3/3");
    check_rule("-A OUTPUT -p icmp --icmp-type ttl-zero-during-transit",
               "-A OUTPUT -p icmp -m icmp --icmp-type 11/0");
    check_rule("-A OUTPUT -p tcp -m multiport --dports 80,443,1000:2000",
               "-A OUTPUT -p tcp -m multiport --dports 80,443,1000:2000");
    check_rule("-A OUTPUT -p udp -m multiport ! --sports 1,2",
               "-A OUTPUT -p udp -m multiport ! --sports 1,2");
    check_rule("-A OUTPUT -p tcp -m multiport --ports 5",
               "-A OUTPUT -p tcp -m multiport --ports 5");
}

static void
test_save_matches(void)
{
    check_rule("-A OUTPUT -m state --state ESTABLISHED,RELATED -j ACCEPT",
               "-A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT");
    check_rule("-A OUTPUT -m state ! --state NEW", "-A OUTPUT -m state ! --state NEW");
    check_rule("-A OUTPUT -m conntrack --ctstate NEW,INVALID,UNTRACKED,SNAT,DNAT --ctdir REPLY",
               "-A OUTPUT -m conntrack --ctstate INVALID,NEW,UNTRACKED,SNAT,DNAT --ctdir REPLY");
    check_rule("-A OUTPUT -m conntrack ! --ctstate NEW", "-A OUTPUT -m conntrack ! --ctstate NEW");
    check_rule("-A OUTPUT -m mark --mark 0x1/0xff", "-A OUTPUT -m mark --mark 0x1/0xff");
    check_rule("-A OUTPUT -m mark ! --mark 5", "-A OUTPUT -m mark ! --mark 0x5");
    check_rule("-A OUTPUT -m mark --mark 1 -m connmark --mark 2",
               "-A OUTPUT -m mark --mark 0x1 -m connmark --mark 0x2");
    check_rule("-A OUTPUT -m length --length 100:200", "-A OUTPUT -m length --length 100:200");
    check_rule("-A OUTPUT -m length ! --length 300", "-A OUTPUT -m length ! --length 300");
    check_rule("-A OUTPUT -m length --length 5:", "-A OUTPUT -m length --length 5:65535");
    check_rule("-A OUTPUT -m limit", "-A OUTPUT -m limit --limit 3/hour");
    check_rule("-A OUTPUT -m limit --limit 5/sec --limit-burst 10",
               "-A OUTPUT -m limit --limit 5/sec --limit-burst 10");
    check_rule("-A OUTPUT -m limit --limit 60/min", "-A OUTPUT -m limit --limit 1/sec");
    check_rule("-A OUTPUT -m limit --limit 24/day", "-A OUTPUT -m limit --limit 1/hour");
    check_rule("-A OUTPUT -m limit --limit 3000/sec", "-A OUTPUT -m limit --limit 3333/sec");
    check_rule("-A OUTPUT -m limit --limit 2/m", "-A OUTPUT -m limit --limit 2/min");
    check_rule("-A OUTPUT -m limit --limit 3", "-A OUTPUT -m limit --limit 3/sec");
    check_rule("-A OUTPUT -m limit --limit 1/s --limit-burst 0",
               "-A OUTPUT -m limit --limit 1/sec");
    check_rule("-A OUTPUT -m limit --limit-burst 6",
               "-A OUTPUT -m limit --limit 3/hour --limit-burst 6");
    check_rule("-A OUTPUT -m comment --comment \"hello world\"",
               "-A OUTPUT -m comment --comment \"hello world\"");
    check_rule(
        "-A OUTPUT -m comment --comment "
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefghij",
        "-A OUTPUT -m comment --comment "
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdef");
    check_rule("-A OUTPUT -m comment --comment \"it's\"",
               "-A OUTPUT -m comment --comment \"it\\'s\"");
    check_rule("-A OUTPUT -m comment --comment \"back\\\\slash\"",
               "-A OUTPUT -m comment --comment \"back\\\\slash\"");
    check_rule("-A OUTPUT -m iprange --src-range 1.1.1.1-1.1.1.5 ! --dst-range 2.2.2.2-2.2.2.9",
               "-A OUTPUT -m iprange --src-range 1.1.1.1-1.1.1.5 ! --dst-range 2.2.2.2-2.2.2.9");
    check_rule("-A OUTPUT -m iprange --src-range 1.2.3.4",
               "-A OUTPUT -m iprange --src-range 1.2.3.4-1.2.3.4");
    check_rule("-A OUTPUT -m addrtype --src-type LOCAL --dst-type UNICAST,BROADCAST "
               "--limit-iface-out",
               "-A OUTPUT -m addrtype --src-type LOCAL --dst-type UNICAST,BROADCAST "
               "--limit-iface-out");
    check_rule("-A OUTPUT -m addrtype ! --dst-type MULTICAST",
               "-A OUTPUT -m addrtype ! --dst-type MULTICAST");
    check_rule("-A OUTPUT -m owner --uid-owner 1000", "-A OUTPUT -m owner --uid-owner 1000");
    check_rule("-A OUTPUT -m owner ! --gid-owner 100-200",
               "-A OUTPUT -m owner ! --gid-owner 100-200");
    check_rule("-A OUTPUT -m owner --uid-owner 5 --socket-exists",
               "-A OUTPUT -m owner --socket-exists --uid-owner 5");
    check_rule("-A OUTPUT -m tos --tos 0x10", "-A OUTPUT -m tos --tos 0x10/0xff");
    check_rule("-A OUTPUT -m tos ! --tos Minimize-Delay", "-A OUTPUT -m tos ! --tos 0x10/0x3f");
    check_rule("-A OUTPUT -m tos --tos 0x08/0x0c", "-A OUTPUT -m tos --tos 0x08/0x0c");
    check_rule("-A OUTPUT -m dscp --dscp 10", "-A OUTPUT -m dscp --dscp 0x0a");
    check_rule("-A OUTPUT -m dscp ! --dscp-class EF", "-A OUTPUT -m dscp ! --dscp 0x2e");
    check_rule("-A OUTPUT -m ttl --ttl-eq 64", "-A OUTPUT -m ttl --ttl-eq 64");
    check_rule("-A OUTPUT -m ttl ! --ttl-eq 3", "-A OUTPUT -m ttl ! --ttl-eq 3");
    check_rule("-A OUTPUT -m ttl --ttl-lt 3", "-A OUTPUT -m ttl --ttl-lt 3");
    check_rule("-A OUTPUT -m ttl --ttl-gt 200", "-A OUTPUT -m ttl --ttl-gt 200");
    check_rule("-A OUTPUT -m pkttype --pkt-type broadcast",
               "-A OUTPUT -m pkttype --pkt-type broadcast");
    check_rule("-A OUTPUT -m pkttype ! --pkt-type host",
               "-A OUTPUT -m pkttype ! --pkt-type unicast");
    check_rule("-A INPUT -m mac ! --mac-source 00:11:22:AA:BB:CC -i eth0 -j ACCEPT",
               "-A INPUT -i eth0 -m mac ! --mac-source 00:11:22:aa:bb:cc -j ACCEPT");
}

static void
test_save_targets(void)
{
    check_rule("-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset",
               "-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset");
    check_rule("-A OUTPUT -j REJECT", "-A OUTPUT -j REJECT --reject-with icmp-port-unreachable");
    check_rule("-A OUTPUT -j REJECT --reject-with net-unreach",
               "-A OUTPUT -j REJECT --reject-with icmp-net-unreachable");
    check_rule("-A OUTPUT -j LOG", "-A OUTPUT -j LOG");
    check_rule("-A OUTPUT -j LOG --log-level warning", "-A OUTPUT -j LOG");
    check_rule("-A OUTPUT -j LOG --log-prefix \"abc: \" --log-level debug --log-tcp-options "
               "--log-ip-options --log-uid",
               "-A OUTPUT -j LOG --log-prefix \"abc: \" --log-level 7 --log-tcp-options "
               "--log-ip-options --log-uid");
    check_rule("-A OUTPUT -j LOG --log-prefix abc", "-A OUTPUT -j LOG --log-prefix abc");
    check_rule("-A OUTPUT -j LOG --log-prefix aaaaaaaaaabbbbbbbbbbccccccccccdddd",
               "-A OUTPUT -j LOG --log-prefix aaaaaaaaaabbbbbbbbbbccccccccc");
    check_rule("-A OUTPUT -j MARK --set-mark 5", "-A OUTPUT -j MARK --set-xmark 0x5/0xffffffff");
    check_rule("-A OUTPUT -j MARK --set-mark 0x100/0xff",
               "-A OUTPUT -j MARK --set-xmark 0x100/0x1ff");
    check_rule("-A OUTPUT -j CONNMARK --set-mark 0x100/0xff",
               "-A OUTPUT -j CONNMARK --set-xmark 0x100/0x1ff");
    const char *m = MANGLE_CHAINS;
    check_rule_in("mangle", m, "-A OUTPUT -j MARK --and-mark 0xf0",
                  "-A OUTPUT -j MARK --set-xmark 0x0/0xffffff0f");
    check_rule_in("mangle", m, "-A OUTPUT -j MARK --or-mark 0x3",
                  "-A OUTPUT -j MARK --set-xmark 0x3/0x3");
    check_rule_in("mangle", m, "-A OUTPUT -j MARK --xor-mark 0x3",
                  "-A OUTPUT -j MARK --set-xmark 0x3/0x0");
    check_rule_in("mangle", m, "-A OUTPUT -j CONNMARK --save-mark",
                  "-A OUTPUT -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff");
    check_rule_in("mangle", m, "-A OUTPUT -j CONNMARK --restore-mark --mask 0xff",
                  "-A OUTPUT -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff");
    check_rule_in("mangle", m, "-A OUTPUT -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xf",
                  "-A OUTPUT -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xf");
    check_rule_in("mangle", m, "-A OUTPUT -j TOS --set-tos 0x10",
                  "-A OUTPUT -j TOS --set-tos 0x10/0xff");
    check_rule_in("mangle", m, "-A OUTPUT -j TOS --set-tos Minimize-Delay",
                  "-A OUTPUT -j TOS --set-tos 0x10/0x3f");
    check_rule_in("mangle", m, "-A OUTPUT -j TOS --and-tos 0x3",
                  "-A OUTPUT -j TOS --set-tos 0x00/0xfc");
    check_rule_in("mangle", m, "-A OUTPUT -j TOS --or-tos 0x3",
                  "-A OUTPUT -j TOS --set-tos 0x03/0x03");
    check_rule_in("mangle", m, "-A OUTPUT -j TOS --xor-tos 0x3",
                  "-A OUTPUT -j TOS --set-tos 0x03/0x00");
    check_rule_in("mangle", m, "-A OUTPUT -j DSCP --set-dscp-class AF41",
                  "-A OUTPUT -j DSCP --set-dscp 0x22");
    check_rule_in("mangle", m, "-A POSTROUTING -j TTL --ttl-dec 2",
                  "-A POSTROUTING -j TTL --ttl-dec 2");
    check_rule_in("raw", RAW_CHAINS, "-A OUTPUT -p udp -j NOTRACK", "-A OUTPUT -p udp -j NOTRACK");
    check_rule_in("raw", RAW_CHAINS, "-A OUTPUT -j CT --notrack", "-A OUTPUT -j CT --notrack");
    check_rule_in("raw", RAW_CHAINS, "-A OUTPUT -j CT --zone 5", "-A OUTPUT -j CT --zone 5");
    check_rule_in("raw", RAW_CHAINS, "-A PREROUTING -j CT --zone 0", "-A PREROUTING -j CT");
    const char *n = NAT_CHAINS;
    check_rule_in("nat", n, "-A OUTPUT -p tcp -d 1.2.3.4 -j DNAT --to-destination 10.0.0.1:8080",
                  "-A OUTPUT -d 1.2.3.4/32 -p tcp -j DNAT --to-destination 10.0.0.1:8080");
    check_rule_in("nat", n, "-A OUTPUT -p tcp -j DNAT --to-destination 10.0.0.1-10.0.0.5:80-90",
                  "-A OUTPUT -p tcp -j DNAT --to-destination 10.0.0.1-10.0.0.5:80-90");
    check_rule_in("nat", n, "-A OUTPUT -p udp -j REDIRECT --to-ports 5-10 --random",
                  "-A OUTPUT -p udp -j REDIRECT --to-ports 5-10 --random");
    check_rule_in("nat", n,
                  "-A POSTROUTING -p udp -j SNAT --to-source 1.1.1.1:1000-2000 "
                  "--persistent --random",
                  "-A POSTROUTING -p udp -j SNAT --to-source 1.1.1.1:1000-2000 --random "
                  "--persistent");
    check_rule_in("nat", n,
                  "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 "
                  "--random-fully",
                  "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random-fully");
    check_rule_in("nat", n, "-A POSTROUTING -p tcp -j SNAT --to-source :1000",
                  "-A POSTROUTING -p tcp -j SNAT --to-source :1000");
    check_rule_in("nat", n, "-A INPUT -j SNAT --to-source 1.1.1.1",
                  "-A INPUT -j SNAT --to-source 1.1.1.1");
}

static void
test_save_layout(void)
{
    /* tables in the nf_tables order, user chains sorted, rules per chain in that order */
    check_save(
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:zeta - [0:0]\n"
        ":alpha - [0:0]\n:alpha DROP [1:1]\n-A OUTPUT -p tcp --syn -j zeta\n-A zeta -j RETURN\n"
        "-A alpha -g zeta\n-A alpha\n-A INPUT -j alpha\nCOMMIT\n"
        "*mangle\n:Bchain - [0:0]\n:achain - [0:0]\n:_x - [0:0]\n:a-b - [0:0]\n"
        "-A Bchain -j achain\nCOMMIT\n*security\n-A OUTPUT -j ACCEPT\nCOMMIT\n"
        "*raw\n:OUTPUT DROP [9:9]\nCOMMIT\n",
        0,
        "*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
        ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:Bchain - [0:0]\n:_x - [0:0]\n"
        ":a-b - [0:0]\n:achain - [0:0]\n-A Bchain -j achain\nCOMMIT\n"
        "*security\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        "-A OUTPUT -j ACCEPT\nCOMMIT\n"
        "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT DROP [0:0]\nCOMMIT\n"
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        ":alpha - [0:0]\n:zeta - [0:0]\n-A INPUT -j alpha\n"
        "-A OUTPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j zeta\n"
        "-A alpha -g zeta\n-A alpha\n-A zeta -j RETURN\nCOMMIT\n");
}

static void
test_save_chain_names(void)
{
    /* a user chain named like a target is jumped to; redeclaring a user chain flushes it */
    check_save("*mangle\n:MARK - [0:0]\n:x - [0:0]\n-A OUTPUT -j MARK\n-A x -j ACCEPT\n"
               "-A OUTPUT -j x\n:x - [0:0]\n-A MARK -j RETURN\nCOMMIT\n",
               0,
               "*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
               ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:MARK - [0:0]\n:x - [0:0]\n"
               "-A OUTPUT -j MARK\n-A OUTPUT -j x\n"
               "-A MARK -j RETURN\nCOMMIT\n");
    check_err("*mangle\n-A OUTPUT -j DSCP --set-dscp 1\n:DSCP - [0:0]\nCOMMIT\n", TXP_ENOTSUP, 3, 2,
              "after rules using the DSCP target");
    check_err("*mangle\n:MARK - [0:0]\n-A OUTPUT -j MARK --set-mark 1\nCOMMIT\n", TXP_EBADMSG, 3,
              19, "unknown option \"--set-mark\"");
}

static void
test_counter_forms(void)
{
    /* iptables-restore reads the counters with strtok and strtoull / sscanf */
    check_save("*filter\n:OUTPUT DROP [3:4]junk\n[1:2:3] -A OUTPUT\n[-1:2] -A OUTPUT\n"
               "[18446744073709551616:2]-A OUTPUT\n[ 0x10:2] -A OUTPUT\nCOMMIT\n",
               1,
               "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT DROP [3:4]\n"
               "[1:2] -A OUTPUT\n[18446744073709551615:2] -A OUTPUT\n"
               "[18446744073709551615:2] -A OUTPUT\n[0:2] -A OUTPUT\nCOMMIT\n");
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    CU_ASSERT_EQUAL(parse_text(&rs, "*filter\n[1:x] -A OUTPUT\nCOMMIT\n", 1, &d), TXP_EBADMSG);
    CU_ASSERT_EQUAL(d.line, 2);
    CU_ASSERT_EQUAL(d.column, 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "byte counter not numeric"));
    txp_ipt_ruleset_fini(&rs);
    CU_ASSERT_EQUAL(parse_text(&rs, "*filter\n:OUTPUT DROP\nCOMMIT\n", 1, &d), TXP_EBADMSG);
    CU_ASSERT_EQUAL(d.column, 13);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "invalid policy counters"));
    txp_ipt_ruleset_fini(&rs);
    /* without -c a malformed count is not read */
    CU_ASSERT_EQUAL(parse_text(&rs, "*filter\n:OUTPUT DROP x\n[1:x] -A OUTPUT\nCOMMIT\n", 0, &d),
                    TXP_OK);
    txp_ipt_ruleset_fini(&rs);
}

static void
test_save_counters(void)
{
    const char *in = "*nat\n-A OUTPUT -j ACCEPT\nCOMMIT\n*filter\n:OUTPUT DROP [5:500]\n"
                     ":my - [3:4]\n[7:700] -A OUTPUT -j my\n[1:2] -A my\nCOMMIT\n";
    check_save(in, 1,
               "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT DROP [5:500]\n"
               ":my - [0:0]\n[7:700] -A OUTPUT -j my\n[1:2] -A my\nCOMMIT\n"
               "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
               ":POSTROUTING ACCEPT [0:0]\n[0:0] -A OUTPUT -j ACCEPT\nCOMMIT\n");
    /* without -c the counters in the input are read and ignored */
    check_save(in, 0,
               "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT DROP [0:0]\n"
               ":my - [0:0]\n-A OUTPUT -j my\n-A my\nCOMMIT\n"
               "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
               ":POSTROUTING ACCEPT [0:0]\n-A OUTPUT -j ACCEPT\nCOMMIT\n");
}

static void
test_print_measure_and_truncate(void)
{
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    CU_ASSERT_EQUAL_FATAL(parse_text(&rs,
                                     "*filter\n-A OUTPUT -p udp --dport 53 -j ACCEPT\n"
                                     "COMMIT\n",
                                     0, &d),
                          TXP_OK);
    struct txp_ipt_print_opts po = {0, 1, "Wed Nov 25 12:00:00 2026"};
    size_t n = txp_ipt_print(&rs, &po, NULL, 0);
    char small[10];
    CU_ASSERT_EQUAL(txp_ipt_print(&rs, &po, small, sizeof small), n);
    CU_ASSERT_EQUAL(strlen(small), sizeof small - 1);
    char *big = malloc(n + 1);
    CU_ASSERT_FATAL(big != NULL);
    txp_ipt_print(&rs, &po, big, n + 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(big, "# Generated by iptables-save v1.8.9 (nf_tables) on Wed "
                                       "Nov 25 12:00:00 2026\n*filter\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(big, "COMMIT\n# Completed on Wed Nov 25 12:00:00 2026\n"));
    free(big);
    char line[128];
    size_t l = txp_ipt_print_rule(&rs, TXP_IPT_FILTER, 2, 0, line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "-A OUTPUT -p udp -m udp --dport 53 -j ACCEPT");
    CU_ASSERT_EQUAL(l, strlen(line));
    CU_ASSERT_EQUAL(txp_ipt_print_rule(&rs, TXP_IPT_FILTER, 2, 1, line, sizeof line), 0);
    txp_ipt_ruleset_fini(&rs);
}

/* ---- rejections ---- */

static void
test_errors_syntax(void)
{
    check_err("*filter\n-A OUTPUT -p tcp --dport ! 80\nCOMMIT\n", TXP_EBADMSG, 2, 26,
              "invalid port/service `!'");
    check_err("*filter\n-A OUTPUT -s ! 1.2.3.4\nCOMMIT\n", TXP_EBADMSG, 2, 14, "host/network `!'");
    check_err("*filter\n-A OUTPUT ! ! -s 1.2.3.4\nCOMMIT\n", TXP_EBADMSG, 2, 13,
              "multiple consecutive !");
    check_err("*filter\n-A OUTPUT ! -m state --state NEW\nCOMMIT\n", TXP_EBADMSG, 2, 11,
              "unexpected ! flag before --match");
    check_err("*filter\n-A OUTPUT -m state --state NEW !\nCOMMIT\n", TXP_EBADMSG, 2, 32,
              "nothing appropriate following !");
    check_err("*filter\n-A OUTPUT -j ACCEPT -j DROP\nCOMMIT\n", TXP_EBADMSG, 2, 24,
              "multiple -j flags");
    check_err("*filter\n-A OUTPUT -p tcp -p udp\nCOMMIT\n", TXP_EBADMSG, 2, 18,
              "multiple -p flags");
    check_err("*filter\n-A OUTPUT -p tcp --dport 5 --dport 6\nCOMMIT\n", TXP_EBADMSG, 2, 28,
              "can only be used once");
    check_err("*filter\n-A OUTPUT -p tcp --dport 70000\nCOMMIT\n", TXP_EBADMSG, 2, 26,
              "invalid port/service `70000'");
    check_err("*filter\n-A OUTPUT -p tcp --dport 80:20\nCOMMIT\n", TXP_EBADMSG, 2, 26, "min > max");
    check_err("*filter\n-A OUTPUT -p tcp --bogus 5\nCOMMIT\n", TXP_EBADMSG, 2, 18,
              "unknown option \"--bogus\"");
    check_err("*filter\n-A OUTPUT -m foo\nCOMMIT\n", TXP_EBADMSG, 2, 14,
              "Couldn't load match `foo'");
    check_err("*filter\n-A OUTPUT -j FOO\nCOMMIT\n", TXP_EBADMSG, 2, 14,
              "Chain 'FOO' does not exist");
    check_err("*filter\n-A nochain -j ACCEPT\nCOMMIT\n", TXP_EBADMSG, 2, 4,
              "chain 'nochain' does not exist");
    check_err("*filter\n-A OUTPUT -m udp --dport 5\nCOMMIT\n", TXP_EBADMSG, 2, 11,
              "UDP match requires '-p udp'");
    check_err("*filter\n-A OUTPUT -p icmp -m icmp\nCOMMIT\n", TXP_EBADMSG, 2, 19,
              "--icmp-type\" must be specified");
    check_err("*filter\n-A OUTPUT -m multiport --dports 5 -p tcp\nCOMMIT\n", TXP_EBADMSG, 2, 24,
              "multiport needs `-p tcp'");
    check_err("*filter\n-A OUTPUT -m limit --limit 10001/sec\nCOMMIT\n", TXP_EBADMSG, 2, 28,
              "Rate too fast");
    check_err("*filter\n-A OUTPUT -m limit --limit 0/sec\nCOMMIT\n", TXP_EBADMSG, 2, 28,
              "bad rate");
    check_err("*filter\n-A OUTPUT -m ttl ! --ttl-lt 5\nCOMMIT\n", TXP_EBADMSG, 2, 20,
              "cannot be inverted");
    check_err("*filter\n-A OUTPUT -m addrtype\nCOMMIT\n", TXP_EBADMSG, 2, 11,
              "you must specify --src-type or --dst-type");
    check_err("*filter\n-A OUTPUT -m comment --comment a\"b c\"d\nCOMMIT\n", TXP_EBADMSG, 2, 38,
              "Bad argument `d'");
    check_err("*filter\n-A OUTPUT -m comment --comment \"ab\nCOMMIT\n", TXP_EBADMSG, 2, 32,
              "unterminated quote");
    check_err("*filter\n-A OUTPUT --append OUTPUT\nCOMMIT\n", TXP_EBADMSG, 2, 11,
              "Cannot use --append with -A");
    check_err("*filter\n-A OUTPUT -i eth0\nCOMMIT\n", TXP_EBADMSG, 2, 1,
              "Can't use -i with OUTPUT");
    check_err("*filter\n-A INPUT -o eth0\nCOMMIT\n", TXP_EBADMSG, 2, 1, "Can't use -o with INPUT");
    check_err("*filter\n:x - [0:0]\n-I x 2 -j DROP\nCOMMIT\n", TXP_EBADMSG, 3, 6,
              "Index of insertion too big");
    check_err("*filter\n-A OUTPUT -p tcp -j MARK --set-mark 1 --set-mark 2\nCOMMIT\n", TXP_EBADMSG,
              2, 39, "can only be used once");
    check_err("*filter\n-A OUTPUT -j MARK\nCOMMIT\n", TXP_EBADMSG, 2, 14, "--set option");
    check_err("*nat\n-A OUTPUT -j DNAT --to-destination 1.1.1.1:5\nCOMMIT\n", TXP_EBADMSG, 2, 36,
              "Need TCP, UDP, SCTP or DCCP");
    check_err("*nat\n-A OUTPUT -j DNAT\nCOMMIT\n", TXP_EBADMSG, 2, 14,
              "DNAT needs --to-destination");
    check_err("*mangle\n-A INPUT -j TTL --ttl-inc 0\nCOMMIT\n", TXP_EBADMSG, 2, 27, "(1-255)");
}

static void
test_errors_structure(void)
{
    check_err("*filter\n-A OUTPUT\n", TXP_EBADMSG, 2, 10, "COMMIT expected");
    check_err("*filter\n-A OUTPUT\nCOMMIT \n", TXP_EBADMSG, 3, 1, "Bad argument `COMMIT'");
    check_err("-A OUTPUT\n", TXP_EBADMSG, 1, 1, "no table specified");
    check_err("COMMIT\n", TXP_EBADMSG, 1, 1, "COMMIT outside a table");
    check_err("*foo\nCOMMIT\n", TXP_EBADMSG, 1, 2, "table name 'foo' invalid");
    check_err("*filter\n  \nCOMMIT\n", TXP_EBADMSG, 2, 1, "no command specified");
    check_err("*filter\n:OUTPUT\nCOMMIT\n", TXP_EBADMSG, 2, 8, "policy invalid");
    check_err("*filter\n:OUTPUT FOO\nCOMMIT\n", TXP_EBADMSG, 2, 9, "Can't set policy `FOO'");
    check_err("*filter\n-A OUTPUT -j LOG --log-level 8\nCOMMIT\n", TXP_EBADMSG, 2, 30,
              "log-level `8' unknown");
    check_err("*filter\n:ACCEPT - [0:0]\nCOMMIT\n", TXP_EBADMSG, 2, 2, "clash with target name");
    check_err("*filter\n:aaaaaaaaaaaaaaaaaaaaaaaaaaaaa - [0:0]\nCOMMIT\n", TXP_EBADMSG, 2, 2,
              "Invalid chain name");
    check_err("*filter\n-A OUTPUT -j OUTPUT\nCOMMIT\n", TXP_EBADMSG, 2, 14, "built-in chain");
    check_err("*filter\n-A OUTPUT -g ACCEPT\nCOMMIT\n", TXP_EBADMSG, 2, 14,
              "Chain 'ACCEPT' does not exist");
    check_err("*filter\n:a - [0:0]\n:b - [0:0]\n-A OUTPUT -j a\n-A a -j b\n-A b -j a\nCOMMIT\n",
              TXP_EBADMSG, 5, 1, "chain loop");
    check_err("*filter\n[1:2 -A OUTPUT\nCOMMIT\n", TXP_EBADMSG, 2, 1, "need ]");
    check_err("*filter\n[12] -A OUTPUT\nCOMMIT\n", TXP_EBADMSG, 2, 1, "[packets:bytes]");
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    static const char nul[] = "*filter\n-A OUTPUT\0\nCOMMIT\n";
    CU_ASSERT_EQUAL_FATAL(txp_ipt_ruleset_init(&rs), TXP_OK);
    txp_diag_init(&d, "test");
    CU_ASSERT_EQUAL(txp_ipt_parse(&rs, nul, sizeof nul - 1, NULL, &d), TXP_EBADMSG);
    CU_ASSERT_EQUAL(d.line, 2);
    CU_ASSERT_EQUAL(d.column, 10);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.msg, "NUL"));
    txp_ipt_ruleset_fini(&rs);
}

static void
test_errors_kernel_checks(void)
{
    /* what the kernel refuses at commit (xt_check_match / xt_check_target) */
    check_err("*filter\n-A OUTPUT -m mac --mac-source 00:11:22:33:44:55\nCOMMIT\n", TXP_EBADMSG, 2,
              1, "match mac is not valid in chain OUTPUT");
    check_err("*filter\n:c - [0:0]\n-A c -m mac --mac-source 00:11:22:33:44:55\n"
              "-A OUTPUT -j c\nCOMMIT\n",
              TXP_EBADMSG, 3, 1, "reached from OUTPUT");
    check_err("*filter\n-A INPUT -m owner --uid-owner 5\nCOMMIT\n", TXP_EBADMSG, 2, 1,
              "match owner");
    check_err("*filter\n-A OUTPUT -j DNAT --to-destination 1.1.1.1\nCOMMIT\n", TXP_EBADMSG, 2, 1,
              "only valid in the nat table");
    check_err("*mangle\n-A PREROUTING -j REJECT\nCOMMIT\n", TXP_EBADMSG, 2, 1,
              "target REJECT is only valid in the filter table");
    check_err("*nat\n-A OUTPUT -j DROP\nCOMMIT\n", TXP_EBADMSG, 2, 14,
              "use of DROP is therefore inhibited");
    check_err("*nat\n-P OUTPUT DROP\nCOMMIT\n", TXP_EBADMSG, 2, 11,
              "use of DROP is therefore inhibited");
    check_err("*filter\n-A OUTPUT -j REJECT --reject-with tcp-reset\nCOMMIT\n", TXP_EBADMSG, 2, 14,
              "tcp-reset needs '-p tcp'");
    check_err("*nat\n-A PREROUTING -j SNAT --to-source 1.1.1.1\nCOMMIT\n", TXP_EBADMSG, 2, 1,
              "target SNAT is not valid");
    check_err("*nat\n-A OUTPUT -j MASQUERADE\nCOMMIT\n", TXP_EBADMSG, 2, 1,
              "target MASQUERADE is not valid");
    check_err("*filter\n-A OUTPUT -m addrtype --limit-iface-in --src-type LOCAL\nCOMMIT\n",
              TXP_EBADMSG, 2, 1, "--limit-iface-in");
    check_err("*filter\n-A OUTPUT -j TOS --set-tos 1\nCOMMIT\n", TXP_EBADMSG, 2, 1,
              "only valid in the mangle table");
    /* nf_tables: at most 15 chains deep below a built-in chain (jumps and gotos) */
    char deep[2048];
    size_t o = (size_t)snprintf(deep, sizeof deep, "*filter\n");
    for (int i = 0; i < 16; i++)
        o += (size_t)snprintf(deep + o, sizeof deep - o, ":c%d - [0:0]\n", i);
    o += (size_t)snprintf(deep + o, sizeof deep - o, "-A OUTPUT -j c0\n");
    for (int i = 0; i < 15; i++)
        o += (size_t)snprintf(deep + o, sizeof deep - o, "-A c%d -%c c%d\n", i, i % 2 ? 'g' : 'j',
                              i + 1);
    snprintf(deep + o, sizeof deep - o, "COMMIT\n");
    check_err(deep, TXP_EBADMSG, 33, 1, "jump from c14 to c15 nests 16 chains deep");
    /* an unreachable chain is not checked against hooks, and may loop on itself */
    struct txp_ipt_ruleset rs;
    struct txp_diag d;
    CU_ASSERT_EQUAL(parse_text(&rs,
                               "*filter\n:c - [0:0]\n-A c -m mac --mac-source "
                               "00:11:22:33:44:55\n-A c -j c\nCOMMIT\n",
                               0, &d),
                    TXP_OK);
    txp_ipt_ruleset_fini(&rs);
}

static void
test_errors_unsupported(void)
{
    check_err("*filter\n-A OUTPUT -m recent --set\nCOMMIT\n", TXP_ENOTSUP, 2, 14,
              "match `recent' is not supported");
    check_err("*filter\n-A OUTPUT -j NFQUEUE\nCOMMIT\n", TXP_ENOTSUP, 2, 14,
              "target `NFQUEUE' is not supported");
    check_err("*filter\n-A OUTPUT -m conntrack --ctorigsrc 1.2.3.4\nCOMMIT\n", TXP_ENOTSUP, 2, 24,
              "conntrack option \"--ctorigsrc\"");
    check_err("*filter\n-D OUTPUT 1\nCOMMIT\n", TXP_ENOTSUP, 2, 1, "option -D");
    check_err("*filter\n-F\nCOMMIT\n", TXP_ENOTSUP, 2, 1, "without a chain");
    check_err("*filter\n-A OUTPUT -m owner --uid-owner root\nCOMMIT\n", TXP_ENOTSUP, 2, 32,
              "only numeric");
    check_err("*raw\n-A OUTPUT -j CT --helper ftp\nCOMMIT\n", TXP_ENOTSUP, 2, 17,
              "CT option \"--helper\"");
}

static const struct txp_h_test model_tests[] = {
    TXP_H_TEST(test_names),
    TXP_H_TEST(test_init_clone_zero),
    TXP_H_TEST_END,
};
static const struct txp_h_test parse_tests[] = {
    TXP_H_TEST(test_parse_ip_part),
    TXP_H_TEST(test_parse_implicit_and_order),
    TXP_H_TEST(test_parse_quotes_and_blank),
    TXP_H_TEST(test_parse_commands_and_lists),
    TXP_H_TEST(test_parse_nft_payload_forms),
    TXP_H_TEST(test_parse_abbreviations_and_addresses),
    TXP_H_TEST(test_parse_insert_and_flush),
    TXP_H_TEST(test_parse_empty_table_absent),
    TXP_H_TEST_END,
};
static const struct txp_h_test save_tests[] = {
    TXP_H_TEST(test_save_ip_part),
    TXP_H_TEST(test_save_tcp_udp_icmp),
    TXP_H_TEST(test_save_matches),
    TXP_H_TEST(test_save_targets),
    TXP_H_TEST(test_save_layout),
    TXP_H_TEST(test_save_chain_names),
    TXP_H_TEST(test_save_counters),
    TXP_H_TEST(test_counter_forms),
    TXP_H_TEST(test_print_measure_and_truncate),
    TXP_H_TEST_END,
};
static const struct txp_h_test error_tests[] = {
    TXP_H_TEST(test_errors_syntax),
    TXP_H_TEST(test_errors_structure),
    TXP_H_TEST(test_errors_kernel_checks),
    TXP_H_TEST(test_errors_unsupported),
    TXP_H_TEST_END,
};

static const struct txp_h_suite suites[] = {
    TXP_H_SUITE("text_model", NULL, NULL, model_tests),
    TXP_H_SUITE("text_parse", NULL, NULL, parse_tests),
    TXP_H_SUITE("text_save", NULL, NULL, save_tests),
    TXP_H_SUITE("text_errors", NULL, NULL, error_tests),
    TXP_H_SUITE_END,
};

int
main(int argc, char **argv)
{
    return txp_h_cunit_main(argc, argv, suites);
}
