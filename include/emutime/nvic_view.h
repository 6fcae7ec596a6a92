/* emutime: the CPU side of an ARMv7-M NVIC register view.
 *
 * A board's NVIC view (machine.h, ET_IC_NVIC) keeps what the timers and the
 * guest's register writes make of the interrupt state: pending and enable
 * bits, the NMI, PendSV and SysTick pend bits, ICSR. An emulator whose CPU
 * model takes exceptions (it owns priorities, the active state, PRIMASK and
 * BASEPRI, and chooses what to take) tells the view when it takes one and
 * when one returns, as the processor tells the NVIC in hardware (ARM DDI
 * 0403E B1.5.6 "Exception entry behavior", B1.5.8 "Exception return
 * behavior"):
 *
 *   - et_machine_nvic_acknowledge(m, "nvic", exc) at exception entry: exc
 *     is no longer pending, even for an external interrupt whose input is
 *     still held high (a level-sensitive source the handler has not
 *     cleared yet);
 *   - et_machine_nvic_complete(m, "nvic", exc) at exception return: an
 *     external interrupt whose input is still high is pending again, so a
 *     handler that did not clear its source is taken again.
 *
 * Both update the view's irq-request output (et_machine_set_cpu_request_sink).
 * exc is an exception number: 2 (NMI), 14 (PendSV), 15 (SysTick) or 16 + N
 * for external interrupt N; complete does nothing for the first three, whose
 * requests are edges. 0; ET_ENOENT for an unknown controller or one that is
 * not an NVIC view, ET_EINVAL for an exception number it does not have.
 */
#ifndef EMUTIME_NVIC_VIEW_H
#define EMUTIME_NVIC_VIEW_H

#include "emutime/error.h"
#include "emutime/export.h"
#include "emutime/machine.h"

ET_BEGIN_DECLS

int et_machine_nvic_acknowledge(et_machine *m, const char *controller, unsigned exception);
int et_machine_nvic_complete(et_machine *m, const char *controller, unsigned exception);

ET_END_DECLS

#endif
