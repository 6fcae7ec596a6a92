/* ACPI tables for the demo boot (see acpi_tables.h). Layouts from the ACPI
 * specification 6.x, chapter 5.2. */
#include "acpi_tables.h"

#include <string.h>

#define PM_BASE 0x600u /* q35's PM I/O block in emutime (PM1a_EVT, PM_TMR at +8) */

static void put(uint8_t *p, unsigned off, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return (uint8_t)(0 - sum);
}

/* The 36-byte header every table but the RSDP starts with; the checksum is
 * filled in when the table is complete. */
static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put(t, 4, len, 4);
    t[8] = rev;
    memcpy(t + 10, "EMUTIM", 6);
    memcpy(t + 16, "KVMX86  ", 8);
    put(t, 24, 1, 4);
    memcpy(t + 28, "EMUT", 4);
    put(t, 32, 1, 4);
}

static void finish(uint8_t *t, uint32_t len)
{
    t[9] = 0;
    t[9] = checksum(t, len);
}

/* A Generic Address Structure: space 1 = system I/O, 0 = memory. */
static void gas(uint8_t *p, unsigned off, uint8_t space, uint8_t bits, uint8_t access, uint64_t addr)
{
    p[off] = space;
    p[off + 1] = bits;
    p[off + 2] = 0;
    p[off + 3] = access;
    put(p, off + 4, addr, 8);
}

uint64_t acpi_tables_build(uint8_t *ram, uint64_t addr, unsigned ncpu)
{
    const uint64_t rsdp = addr, xsdt = addr + 0x40, fadt = addr + 0x100, dsdt = addr + 0x300,
                   madt = addr + 0x400, hpet = addr + 0x600;

    /* DSDT: no AML at all (no devices to describe: the timers are found
     * through their own tables). */
    header(ram + dsdt, "DSDT", 36, 2);
    finish(ram + dsdt, 36);

    /* FADT, revision 5 (276 bytes): the PM1a event block and the PM timer
     * at emutime's PM block; SCI on IRQ 9; 32-bit timer width flag off
     * (emutime's q35 PM timer is 24-bit, as QEMU's). */
    uint8_t *f = ram + fadt;
    const uint32_t flen = 276;
    header(f, "FACP", flen, 5);
    put(f, 40, dsdt, 4);            /* DSDT */
    put(f, 46, 9, 2);               /* SCI_INT */
    put(f, 56, PM_BASE, 4);         /* PM1a_EVT_BLK */
    put(f, 64, PM_BASE + 4, 4);     /* PM1a_CNT_BLK */
    put(f, 76, PM_BASE + 8, 4);     /* PM_TMR_BLK */
    f[88] = 4;                      /* PM1_EVT_LEN */
    f[89] = 2;                      /* PM1_CNT_LEN */
    f[91] = 4;                      /* PM_TMR_LEN */
    put(f, 96, 0xfff, 2);           /* P_LVL2_LAT: C2 not supported */
    put(f, 98, 0xfff, 2);           /* P_LVL3_LAT */
    put(f, 109, 0x0001, 2);         /* IAPC_BOOT_ARCH: legacy devices */
    put(f, 112, (1u << 0) | (1u << 4) | (1u << 5), 4); /* WBINVD, PWR/SLP buttons absent */
    put(f, 140, dsdt, 8);           /* X_DSDT */
    gas(f, 148, 1, 32, 0, PM_BASE);     /* X_PM1a_EVT_BLK */
    gas(f, 172, 1, 16, 0, PM_BASE + 4); /* X_PM1a_CNT_BLK */
    gas(f, 208, 1, 32, 0, PM_BASE + 8); /* X_PM_TMR_BLK */
    finish(f, flen);

    /* MADT: the local APICs at 0xfee00000, PC/AT-compatible PICs present,
     * one local APIC per CPU, the IOAPIC (GSI base 0), ISA IRQ 0 on GSI 2
     * and IRQ 9 (the SCI) level, active high, as QEMU's pc announces. */
    uint8_t *m = ram + madt;
    unsigned off = 44;
    put(m, 36, 0xfee00000u, 4);
    put(m, 40, 1, 4);
    for (unsigned i = 0; i < ncpu; i++) {
        m[off] = 0;
        m[off + 1] = 8;
        m[off + 2] = (uint8_t)i; /* processor UID */
        m[off + 3] = (uint8_t)i; /* APIC ID */
        put(m, off + 4, 1, 4);   /* enabled */
        off += 8;
    }
    m[off] = 1;
    m[off + 1] = 12;
    m[off + 2] = (uint8_t)ncpu; /* IOAPIC ID after the CPUs' */
    m[off + 3] = 0;
    put(m, off + 4, 0xfec00000u, 4);
    put(m, off + 8, 0, 4);
    off += 12;
    static const uint8_t iso[2][3] = { { 0, 2, 0x0 }, { 9, 9, 0xd } }; /* source, GSI, flags */
    for (unsigned i = 0; i < 2; i++) {
        m[off] = 2;
        m[off + 1] = 10;
        m[off + 2] = 0; /* ISA */
        m[off + 3] = iso[i][0];
        put(m, off + 4, iso[i][1], 4);
        put(m, off + 8, iso[i][2], 2);
        off += 10;
    }
    header(m, "APIC", off, 3);
    finish(m, off);

    /* HPET: the event timer block ID is GCAP_ID's low 32 bits (vendor
     * 8086, legacy-capable, 64-bit, 3 timers, revision 1), at 0xfed00000,
     * minimum clock tick 128 (QEMU's value). */
    uint8_t *h = ram + hpet;
    header(h, "HPET", 56, 1);
    put(h, 36, 0x8086a201u, 4);
    gas(h, 40, 0, 64, 0, 0xfed00000u);
    h[52] = 0;               /* HPET number */
    put(h, 53, 128, 2);      /* minimum tick */
    h[55] = 0;               /* page protection */
    finish(h, 56);

    /* XSDT: FADT, MADT, HPET. */
    uint8_t *x = ram + xsdt;
    header(x, "XSDT", 36 + 3 * 8, 1);
    put(x, 36, fadt, 8);
    put(x, 44, madt, 8);
    put(x, 52, hpet, 8);
    finish(x, 36 + 3 * 8);

    /* RSDP, revision 2. */
    uint8_t *r = ram + rsdp;
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "EMUTIM", 6);
    r[15] = 2;
    put(r, 16, 0, 4);   /* no RSDT */
    put(r, 20, 36, 4);
    put(r, 24, xsdt, 8);
    r[8] = checksum(r, 20);
    r[32] = checksum(r, 36);
    return rsdp;
}
