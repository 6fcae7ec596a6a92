/* Linux's x86 boot protocol, 64-bit entry (Documentation/x86/boot.rst in
 * the kernel's tree: the setup header at 0x1f1 of the bzImage, the zero
 * page's layout). */
#include "linux_boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elf.h>

#include "acpi_tables.h"

#define ZERO_PAGE   0x10000u /* clear of the VMM's GDT and page tables (guest/abi.h) */
#define CMDLINE     0x20000u
#define ACPI_BASE   0xe0000u /* where a BIOS puts them; Linux also scans there */
#define KERNEL_LOAD 0x1000000u /* 16 MiB, the usual pref_address */

/* Zero-page offsets. */
#define BP_ACPI_RSDP   0x070
#define BP_E820_COUNT  0x1e8
#define BP_HDR         0x1f1
#define BP_E820_TABLE  0x2d0

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static void set32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void set64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint8_t *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        snprintf(err, errlen, "%s: cannot read", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void e820(uint8_t *zp, unsigned i, uint64_t base, uint64_t size, uint32_t type)
{
    uint8_t *e = zp + BP_E820_TABLE + 20 * i;
    set64(e, base);
    set64(e + 8, size);
    set32(e + 16, type);
}

/* The PT_LOAD segments of a 64-bit ELF kernel at their physical addresses;
 * *entry is e_entry (physical for Linux's vmlinux). 0, or -1. */
static int load_elf(uint8_t *ram, size_t ram_size, const char *path, uint64_t *entry,
                    uint64_t *end, char *err, size_t errlen)
{
    size_t len;
    uint8_t *img = read_file(path, &len, err, errlen);
    if (!img)
        return -1;
    Elf64_Ehdr eh;
    if (len < sizeof(eh) || memcmp(img, ELFMAG, SELFMAG) != 0 || img[EI_CLASS] != ELFCLASS64) {
        snprintf(err, errlen, "%s: not a 64-bit ELF file", path);
        free(img);
        return -1;
    }
    memcpy(&eh, img, sizeof(eh));
    *end = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        uint64_t at = eh.e_phoff + (uint64_t)i * eh.e_phentsize;
        if (at + sizeof(ph) > len)
            break;
        memcpy(&ph, img + at, sizeof(ph));
        if (ph.p_type != PT_LOAD)
            continue;
        if (ph.p_offset + ph.p_filesz > len || ph.p_filesz > ph.p_memsz ||
            ph.p_paddr + ph.p_memsz > ram_size) {
            snprintf(err, errlen, "%s: a segment lies outside the file or RAM", path);
            free(img);
            return -1;
        }
        memcpy(ram + ph.p_paddr, img + ph.p_offset, ph.p_filesz);
        memset(ram + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
        if (ph.p_paddr + ph.p_memsz > *end)
            *end = ph.p_paddr + ph.p_memsz;
    }
    *entry = eh.e_entry;
    free(img);
    return 0;
}

int linux_boot_load(uint8_t *ram, size_t ram_size, const char *kernel, const char *vmlinux,
                    const char *initrd, const char *cmdline, unsigned ncpu, linux_boot *out,
                    char *err, size_t errlen)
{
    size_t klen;
    uint8_t *k = read_file(kernel, &klen, err, errlen);
    if (!k)
        return -1;
    if (klen < 0x1000 || get32(k + 0x202) != 0x53726448 /* "HdrS" */ || get16(k + 0x206) < 0x20c) {
        snprintf(err, errlen, "%s: not a bzImage of boot protocol 2.12 or later", kernel);
        free(k);
        return -1;
    }
    if (!(k[0x236] & 1)) { /* XLF_KERNEL_64 */
        snprintf(err, errlen, "%s: has no 64-bit entry point", kernel);
        free(k);
        return -1;
    }
    unsigned setup_sects = k[0x1f1] ? k[0x1f1] : 4;
    size_t setup_len = (setup_sects + 1) * 512u;
    uint32_t init_size = get32(k + 0x260);
    if (setup_len >= klen || KERNEL_LOAD + (uint64_t)init_size > ram_size / 2) {
        snprintf(err, errlen, "%s: does not fit in %zu MiB of RAM", kernel, ram_size >> 20);
        free(k);
        return -1;
    }
    memcpy(ram + KERNEL_LOAD, k + setup_len, klen - setup_len);

    uint8_t *zp = ram + ZERO_PAGE;
    memset(zp, 0, 4096);
    size_t hdr_len = 0x202 + k[0x201] - BP_HDR; /* the header's own length byte */
    memcpy(zp + BP_HDR, k + BP_HDR, hdr_len);
    free(k);
    zp[0x210] = 0xff;                  /* type_of_loader: undefined */
    zp[0x211] |= 0x80;                 /* loadflags: CAN_USE_HEAP */
    set32(zp + 0x228, CMDLINE);        /* cmd_line_ptr */
    size_t cl = strlen(cmdline);
    if (cl >= 4096)
        cl = 4095;
    memcpy(ram + CMDLINE, cmdline, cl);
    ram[CMDLINE + cl] = 0;

    if (initrd) {
        size_t ilen;
        uint8_t *img = read_file(initrd, &ilen, err, errlen);
        if (!img)
            return -1;
        uint64_t at = ((ram_size - ilen) & ~0xfffull) - 0x100000;
        if (at < KERNEL_LOAD + init_size) {
            snprintf(err, errlen, "%s: does not fit in RAM", initrd);
            free(img);
            return -1;
        }
        memcpy(ram + at, img, ilen);
        free(img);
        set32(zp + 0x218, (uint32_t)at);
        set32(zp + 0x21c, (uint32_t)ilen);
    }

    uint64_t rsdp = acpi_tables_build(ram, ACPI_BASE, ncpu);
    set64(zp + BP_ACPI_RSDP, rsdp);

    /* RAM below the EBDA, the BIOS area with the ACPI tables (reserved),
     * then RAM from 1 MiB up. */
    unsigned n = 0;
    e820(zp, n++, 0, 0x9fc00, 1);
    e820(zp, n++, 0xe0000, 0x20000, 2);
    e820(zp, n++, 0x100000, ram_size - 0x100000, 1);
    zp[BP_E820_COUNT] = (uint8_t)n;

    out->entry = KERNEL_LOAD + 0x200;
    out->boot_params = ZERO_PAGE;
    if (vmlinux) {
        uint64_t end;
        if (load_elf(ram, ram_size, vmlinux, &out->entry, &end, err, errlen) != 0)
            return -1;
        if (initrd && end > get32(zp + 0x218)) {
            snprintf(err, errlen, "%s overlaps the initrd", vmlinux);
            return -1;
        }
    }
    return 0;
}
