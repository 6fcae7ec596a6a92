#!/usr/bin/env python3
"""Run a qtest script through QEMU and print an `emutime run` transcript.

Sends each command of SCRIPT to a QEMU started with the qtest accelerator,
one at a time (waiting for its reply, so deferred work such as a watchdog
reset lands at the next command, deterministically), and prints the same
transcript format as `emutime run`: '# machine NAME', the script's comment
and blank lines as they are, each command after '> ' followed by the IRQ
lines and the reply after '< ', and a closing summary line. Compare with

    emutime run --machine NAME SCRIPT | diff - <(tools/qemu-transcript.py NAME SCRIPT)

QEMU needs the qtest accelerator (Debian 12's packages leave it out); the
binary is qemu-system-{arm,x86_64,riscv64} from $QEMU_BUILD_DIR or PATH, or
--qemu. Extra QEMU options go after '--'. The riscv64 virt machine gets
-bios none (no firmware in RAM, as in emutime).
"""
import argparse
import os
import shutil
import subprocess
import sys

BINARIES = {
    'mps2-an385': 'qemu-system-arm', 'versatilepb': 'qemu-system-arm',
    'realview-eb': 'qemu-system-arm', 'vexpress-a9': 'qemu-system-arm',
    'realview-eb-mpcore': 'qemu-system-arm',
    'pc': 'qemu-system-x86_64', 'q35': 'qemu-system-x86_64',
    'virt': 'qemu-system-riscv64',
}


def find_qemu(machine, explicit):
    if explicit:
        return explicit
    name = BINARIES.get(machine.split(',')[0])
    if not name:
        sys.exit('qemu-transcript: unknown machine %r (give --qemu)' % machine)
    build = os.environ.get('QEMU_BUILD_DIR')
    if build and os.path.exists(os.path.join(build, name)):
        return os.path.join(build, name)
    path = shutil.which(name)
    if not path:
        sys.exit('qemu-transcript: %s not found (set QEMU_BUILD_DIR or give --qemu)' % name)
    return path


def qemu_machine(machine):
    """An emutime machine spec as QEMU's -machine value plus other options:
    virt's smp and sockets (NUMA nodes) are QEMU's -smp and -numa node, any
    board's rtc-base and rtc-clock are -rtc; pc's and q35's ib700=on is
    -device ib700; every other option is a machine property."""
    name, *opts = machine.split(',')
    props, extra, rtc = [name], [], []
    sockets = 1
    for opt in opts:
        key, _, value = opt.partition('=')
        if name == 'virt' and key == 'smp':
            extra += ['-smp', value]
        elif name == 'virt' and key == 'sockets':
            sockets = int(value)
        elif key in ('rtc-base', 'rtc-clock'):  # every board with an RTC
            rtc.append('%s=%s' % (key[4:], value))
        elif name in ('pc', 'q35') and key == 'ib700':
            if value == 'on':
                extra += ['-device', 'ib700']
        else:
            props.append(opt)
    if sockets > 1:  # the default 128 MiB split over the nodes
        extra += ['-m', '128M']
        for i in range(sockets):
            size = 128 // sockets + (128 % sockets if i == sockets - 1 else 0)
            extra += ['-numa', 'node,mem=%dM' % size]
    if rtc:
        extra += ['-rtc', ','.join(rtc)]
    return ','.join(props), extra


def qemu_command(qemu, machine, extra=()):
    """The command line of a qtest QEMU for machine (QEMU-style options)."""
    props, machine_extra = qemu_machine(machine)
    cmd = [qemu, '-machine', props, '-accel', 'qtest', '-qtest', 'stdio',
           '-qtest-log', '/dev/null', '-display', 'none', '-nodefaults',
           '-serial', 'none', '-monitor', 'none']
    if machine.split(',')[0] == 'virt':
        cmd += ['-bios', 'none']
    return cmd + machine_extra + list(extra)


class Session:
    """A qtest server driven one command at a time (QEMU or emutime qtest)."""

    def __init__(self, cmd, cwd=None):
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1,
                                     cwd=cwd)

    def send(self, line):
        """Sends one command; returns its IRQ lines and its reply, in order."""
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()
        out = []
        while True:
            reply = self.proc.stdout.readline()
            if not reply:
                raise EOFError('%s stopped after %r (does it have -accel qtest?)'
                               % (os.path.basename(self.cmd[0]), line))
            reply = reply.rstrip('\n')
            out.append(reply)
            if not reply.startswith('IRQ '):
                return out

    def close(self):
        self.proc.kill()
        self.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--qemu', help='the qemu-system-* binary')
    ap.add_argument('machine', help='QEMU machine, e.g. mps2-an385 or pc,pit=off')
    ap.add_argument('script', help='the .qtest script')
    ap.add_argument('extra', nargs='*', help='extra QEMU options (after --)')
    args = ap.parse_args()

    qemu = find_qemu(args.machine, args.qemu)
    session = Session(qemu_command(qemu, args.machine, args.extra))

    def send(line):
        try:
            return session.send(line)
        except EOFError as e:
            sys.exit('qemu-transcript: %s' % e)

    commands = failed = 0
    print('# machine %s' % args.machine.split(',')[0])
    with open(args.script) as f:
        for line in f.read().splitlines():
            stripped = line.strip(' \t\r')
            if not stripped or stripped.startswith('#'):
                print(line)
                continue
            print('> ' + line)
            replies = send(line)
            for r in replies:
                print('< ' + r)
            commands += 1
            if replies[-1].startswith(('FAIL', 'ERR')):
                failed += 1
    now = send('clock_step 0')[-1].split()[-1]
    print('# %d commands, %d failed, virtual time %s ns' % (commands, failed, now))
    session.close()


if __name__ == '__main__':
    main()
