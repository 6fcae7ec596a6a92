/* Firmware of the riscv-smp example: every hart of a 4-hart virt board
 *  - takes a periodic machine timer interrupt from its mtimecmp (hart N every
 *    (N + 1) * base mtime ticks) and checks that none arrives early;
 *  - sends `rounds` IPIs through the ACLINT MSWI to every other hart, each
 *    one acknowledged before the next, and checks that it receives as many
 *    from each of them;
 *  - reads the time CSR (rdtime, emulated by the host from mtime) in a loop
 *    and checks that it never goes back, neither against its own previous
 *    read nor against any value another hart published before this read.
 * Hart 0 reports PASS through QEMU's sifive_test device at 0x100000 when
 * every hart is done; any hart reports FAIL at the first error.
 *
 * Only one hart ever writes a given word of shared state (the host's vCPUs
 * need not make guest read-modify-write instructions atomic across harts).
 */
#include <stdint.h>

#define NHARTS 4u

#define CLINT_BASE 0x02000000ul
#define MSIP(h) ((volatile uint32_t *)(CLINT_BASE + 4u * (h)))
#define MTIMECMP(h) ((volatile uint64_t *)(CLINT_BASE + 0x4000u + 8u * (h)))
#define TEST_DEVICE ((volatile uint32_t *)0x100000ul)
#define TEST_PASS 0x5555u
#define TEST_FAIL 0x3333u /* | code << 16 */

#define MIP_MSIP 3
#define MIP_MTIP 7
#define MCAUSE_INTERRUPT (1ul << 63)
#define MSTATUS_MIE (1ul << 3)

/* Error codes (FAIL's exit code is hart * 16 + code). */
enum {
    ERR_EARLY_TICK = 1,  /* a timer interrupt before mtime reached mtimecmp */
    ERR_TIME_BACK = 2,   /* rdtime below this hart's previous read */
    ERR_TIME_CROSS = 3,  /* rdtime below a value another hart read before */
    ERR_IPI_SKIP = 4,    /* a sender's sequence moved by more than one */
    ERR_TRAP = 5,        /* an exception or an unexpected interrupt */
};

struct hart_state {
    volatile uint64_t published; /* its latest rdtime, for the others */
    volatile uint64_t ticks;     /* timer interrupts taken */
    volatile uint64_t softs;     /* software interrupts taken */
    uint64_t next_cmp;
    uint64_t period;
    /* mail[s]: the last IPI sequence number hart s sent to this hart
     * (written by s); seen[s]: the last one this hart took (written by it). */
    volatile uint32_t mail[NHARTS];
    volatile uint32_t seen[NHARTS];
    volatile uint32_t done;
} __attribute__((aligned(64)));

static struct hart_state harts[NHARTS];

static inline unsigned hart_id(void)
{
    unsigned long id;
    __asm__ volatile("mv %0, tp" : "=r"(id));
    return (unsigned)id;
}

static inline uint64_t read_time(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static inline void fence_before_mmio(void)
{
    __asm__ volatile("fence w, o" ::: "memory");
}

static void __attribute__((noreturn)) fail(unsigned hart, unsigned code)
{
    *TEST_DEVICE = TEST_FAIL | ((hart * 16u + code) << 16);
    for (;;) {
    }
}

static void on_timer(unsigned h)
{
    struct hart_state *st = &harts[h];
    if (read_time() < st->next_cmp) {
        fail(h, ERR_EARLY_TICK);
    }
    st->ticks++;
    /* From the previous deadline, not from now: a late tick is followed
     * by the ones it delayed, so the rate stays the programmed one. */
    st->next_cmp += st->period;
    *MTIMECMP(h) = st->next_cmp;
}

static void on_software(unsigned h)
{
    struct hart_state *st = &harts[h];
    st->softs++;
    /* Clear MSIP before reading the mail: a sender that writes its mail
     * after this read also raises MSIP after this clear. */
    *MSIP(h) = 0;
    __asm__ volatile("fence io, r" ::: "memory");
    for (unsigned s = 0; s < NHARTS; s++) {
        uint32_t m = st->mail[s];
        uint32_t d = m - st->seen[s];
        if (d > 1) {
            fail(h, ERR_IPI_SKIP);
        }
        st->seen[s] = m;
    }
}

void __attribute__((interrupt("machine"), aligned(4))) trap_entry(void)
{
    unsigned h = hart_id();
    unsigned long cause;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    if (cause == (MCAUSE_INTERRUPT | MIP_MTIP)) {
        on_timer(h);
    } else if (cause == (MCAUSE_INTERRUPT | MIP_MSIP)) {
        on_software(h);
    } else {
        fail(h, ERR_TRAP);
    }
}

/* Sends the next IPI to every hart that took the previous one. */
static void send_ipis(unsigned h, uint32_t *sent, uint32_t rounds)
{
    for (unsigned r = 0; r < NHARTS; r++) {
        if (r == h || sent[r] == rounds || harts[r].seen[h] != sent[r]) {
            continue;
        }
        harts[r].mail[h] = ++sent[r];
        fence_before_mmio();
        *MSIP(r) = 1;
    }
}

static void check_time(unsigned h, uint64_t *last)
{
    uint64_t others = 0;
    for (unsigned j = 0; j < NHARTS; j++) {
        uint64_t p = harts[j].published;
        others = p > others ? p : others;
    }
    __asm__ volatile("fence r, r" ::: "memory");
    uint64_t t = read_time();
    if (t < *last) {
        fail(h, ERR_TIME_BACK);
    }
    if (t < others) {
        fail(h, ERR_TIME_CROSS);
    }
    *last = t;
    harts[h].published = t;
}

static int all_exchanged(unsigned h, const uint32_t *sent, uint32_t rounds)
{
    for (unsigned j = 0; j < NHARTS; j++) {
        if (j != h && (sent[j] != rounds || harts[j].seen[h] != rounds ||
                       harts[h].seen[j] != rounds)) {
            return 0;
        }
    }
    return 1;
}

/* base: hart 0's tick period in mtime ticks; ticks: the ticks each hart
 * waits for; rounds: IPIs each hart sends to each other one. */
void __attribute__((noreturn)) hart_main(unsigned long h, unsigned long base,
                                         unsigned long ticks, unsigned long rounds)
{
    struct hart_state *st = &harts[h];
    uint32_t sent[NHARTS] = { 0 };
    uint64_t last = 0;

    st->period = base * (h + 1);
    st->next_cmp = read_time() + st->period;
    *MTIMECMP(h) = st->next_cmp;
    __asm__ volatile("csrs mie, %0" ::"r"((1ul << MIP_MTIP) | (1ul << MIP_MSIP)));
    __asm__ volatile("csrs mstatus, %0" ::"r"(MSTATUS_MIE));

    for (;;) {
        check_time((unsigned)h, &last);
        send_ipis((unsigned)h, sent, (uint32_t)rounds);
        if (!st->done && st->ticks >= ticks && all_exchanged((unsigned)h, sent, (uint32_t)rounds)) {
            st->done = 1;
        }
        if (h == 0) {
            unsigned n = 0;
            for (unsigned j = 0; j < NHARTS; j++) {
                n += harts[j].done;
            }
            if (n == NHARTS) {
                *TEST_DEVICE = TEST_PASS;
            }
        }
    }
}
