/* The board options of an RTC's time base, as QEMU's -rtc base=,clock=
 * (wallclock.h): boards with an RTC list RTC_BOARD_OPTIONS among their
 * options, and the RTC's factory reads them. */
#ifndef EMUTIME_MACHINES_RTC_OPTIONS_H
#define EMUTIME_MACHINES_RTC_OPTIONS_H

#include "emutime/wallclock.h"
#include "machines/machine_internal.h"

#define RTC_BOARD_OPTIONS                                                      \
    { .name = "rtc-base", .def = ET_WALLCLOCK_DEFAULT_BASE,                    \
      .help = "the RTC's start: utc, localtime or a date (QEMU's -rtc base=)", \
      .check = et_wallclock_check_base },                                      \
    { .name = "rtc-clock", .def = ET_WALLCLOCK_DEFAULT_CLOCK,                  \
      .help = "what advances the RTC: host, rt or vm (QEMU's -rtc clock=)",    \
      .check = et_wallclock_check_clock }

#endif
