/* emutime: emulated hardware timers for machine emulators (umbrella header). */
#ifndef EMUTIME_EMUTIME_H
#define EMUTIME_EMUTIME_H

#include "emutime/clock.h"
#include "emutime/clock_poll.h"
#include "emutime/clocktree.h"
#include "emutime/device.h"
#include "emutime/devices/acpi_pm_timer.h"
#include "emutime/devices/cmsdk_apb_dualtimer.h"
#include "emutime/devices/cmsdk_apb_timer.h"
#include "emutime/devices/cmsdk_apb_watchdog.h"
#include "emutime/devices/goldfish_rtc.h"
#include "emutime/devices/hpet.h"
#include "emutime/devices/i8254.h"
#include "emutime/devices/ib700.h"
#include "emutime/devices/mc146818_rtc.h"
#include "emutime/devices/riscv_aclint.h"
#include "emutime/devices/sp804.h"
#include "emutime/diag.h"
#include "emutime/export.h"
#include "emutime/irq.h"
#include "emutime/lock.h"
#include "emutime/machine.h"
#include "emutime/ptimer.h"
#include "emutime/qtest.h"
#include "emutime/runner.h"
#include "emutime/snapshot.h"
#include "emutime/timer.h"
#include "emutime/vmstate.h"
#include "emutime/wallclock.h"

#define EMUTIME_VERSION "0.1.0"

#endif
