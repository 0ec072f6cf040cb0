/* SPDX-License-Identifier: MIT */
/*
 * txpath stack: a transfer from start to end, the loop `txpath send` runs.
 *
 *   socket -> connect -> write() while the socket accepts -> shutdown(SHUT_WR)
 *   loop: next = min(stack's next event, deadline); wait on the link's rx until then; step
 *         the clock to the time rx returned; hand a received frame to the stack.
 *
 * TCP completes when everything written and the FIN are acknowledged (or, with no_close,
 * when all data is); UDP when every datagram is written and nothing is held any more
 * (a neighbour failure drops held packets after its probes). A reset, a socket error on
 * connect, or the deadline end it early. The accounting invariant is checked at the end.
 *
 * Entry point: txp_stack_run_job.
 */
#include <string.h>

#include "stack_internal.h"

#define JOB_RX_MAX 65536u

/* Period of the payload pattern: a prime, so that byte x of the stream, y ^ (y >> 8) with
 * y = x mod JOB_PERIOD, shows reordering and is the same as x ^ (x >> 8) ^ (x >> 16) for the
 * first 65521 bytes. */
#define JOB_PERIOD 65521u

/* The pattern for offsets 0 .. JOB_PERIOD + 65536: any write of up to 64 KiB starting at
 * offset x is the slice from x mod JOB_PERIOD. */
static void
job_fill(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t y = i % JOB_PERIOD;
        buf[i] = (uint8_t)(y ^ (y >> 8));
    }
}

int
txp_stack_run_job(struct txp_stack *st, const struct txp_stack_job *job,
                  struct txp_stack_job_result *res)
{
    memset(res, 0, sizeof *res);
    int proto = job->proto ? job->proto : (int)TXP_IPPROTO_TCP;
    uint64_t total = job->data ? job->data_len : job->bytes;
    size_t wsize = job->write_size ? job->write_size : (proto == TXP_IPPROTO_TCP ? 65536u : 1472u);
    if (wsize > 65536u)
        wsize = 65536u;
    res->start_ns = st->env.now_ns;
    uint64_t deadline = res->start_ns + (job->deadline_ns ? job->deadline_ns : 60000000000ull);
    struct txp_stack_file *f = NULL;
    int rc = txp_stack_socket(st, proto, &job->opt, &f);
    if (rc != TXP_OK) {
        res->err = rc;
        res->why = "socket";
        return rc;
    }
    uint8_t *chunk = job->data ? NULL : txp_alloc_mem(st->alloc, JOB_PERIOD + 65536u, 16);
    uint8_t *rxbuf = txp_alloc_mem(st->alloc, JOB_RX_MAX, 16);
    if ((chunk == NULL && job->data == NULL) || rxbuf == NULL) {
        txp_free(st->alloc, chunk);
        txp_free(st->alloc, rxbuf);
        txp_stack_close(f);
        res->err = TXP_ENOMEM;
        res->why = "memory";
        return TXP_ENOMEM;
    }
    if (chunk)
        job_fill(chunk, JOB_PERIOD + 65536u);
    rc = txp_stack_connect(f, job->daddr, job->dport);
    if (rc != TXP_OK) {
        res->err = rc;
        res->why = "connect";
    }
    uint64_t written = 0, next_progress = total / 16u;
    bool shut = false;
    while (rc == TXP_OK) {
        struct txp_stack_sockinfo si;
        txp_stack_sockinfo(f, &si);
        if (si.reset) {
            res->err = TXP_ECONNRESET;
            res->why = "connection reset";
            break;
        }
        if (si.established) {
            int burst = 0;
            while (written < total && burst++ < 64) {
                size_t n = total - written < wsize ? (size_t)(total - written) : wsize;
                const uint8_t *src = job->data ? job->data + written : chunk + written % JOB_PERIOD;
                int64_t w = txp_stack_write(f, src, n);
                if (w == TXP_EAGAIN || w == 0)
                    break;
                if (w < 0) {
                    res->err = (int)w;
                    res->why = "write";
                    break;
                }
                written += (uint64_t)w;
            }
            if (res->err)
                break;
            if (proto == TXP_IPPROTO_TCP && written == total && !shut && !job->no_close) {
                int e = txp_stack_shutdown(f);
                if (e != TXP_OK) {
                    res->err = e;
                    res->why = "shutdown";
                    break;
                }
                shut = true;
            }
        }
        txp_stack_sockinfo(f, &si);
        res->acked = si.bytes_acked;
        if (job->progress && total && si.bytes_acked >= next_progress) {
            job->progress(job->progress_ctx, si.bytes_acked, total, st->env.now_ns);
            next_progress = si.bytes_acked + total / 16u + 1u;
        }
        bool done;
        if (proto == TXP_IPPROTO_TCP) {
            done = written == total && (job->no_close ? si.bytes_acked == total : si.finished);
        } else {
            struct txp_stack_totals t;
            (void)txp_stack_totals(st, &t);
            done = written == total && t.held == 0;
        }
        if (done) {
            res->complete = true;
            break;
        }
        if (st->env.now_ns >= deadline) {
            res->err = TXP_EAGAIN;
            res->why = f->last_err ? txp_strerror(f->last_err) : "deadline passed";
            break;
        }
        uint64_t next = txp_stack_next_event(st);
        if (next > deadline)
            next = deadline;
        if (next < st->env.now_ns)
            next = st->env.now_ns;
        uint64_t now = next;
        uint32_t len = 0, ifindex = 0;
        int got = 0;
        if (st->link && st->link->rx)
            got = st->link->rx(st->link, next, &now, rxbuf, JOB_RX_MAX, &len, &ifindex);
        txp_stack_advance(st, now);
        if (got)
            (void)txp_stack_rx(st, ifindex, rxbuf, len);
    }
    res->written = written;
    res->end_ns = st->env.now_ns;
    struct txp_stack_sockinfo si;
    txp_stack_sockinfo(f, &si);
    res->acked = si.bytes_acked;
    txp_free(st->alloc, chunk);
    txp_free(st->alloc, rxbuf);
    txp_stack_close(f);
    struct txp_stack_totals t;
    if (txp_stack_totals(st, &t) != TXP_OK)
        return TXP_ERANGE;
    return rc;
}
