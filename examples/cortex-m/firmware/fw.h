/* What the firmware's files share. */
#ifndef FW_FW_H
#define FW_FW_H

#include <stdint.h>

void fw_main(void);
__attribute__((noreturn)) void fw_fail(const char *what, uint32_t value);
void fw_puts(const char *s);
void fw_puthex(uint32_t v);

void nmi_handler(void);
void pendsv_handler(void);
void systick_handler(void);
void timer0_handler(void);
void timer1_handler(void);
void dualtimer_handler(void);

#endif
