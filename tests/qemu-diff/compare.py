#!/usr/bin/env python3
"""Differential test: qtest scripts through QEMU 7.2 and through emutime.

Runs every script (examples/*.qtest, the qtest scripts of the fuzz corpus
and tests/qemu-diff/scripts/*.qtest) through a QEMU with the qtest
accelerator and through `emutime qtest`, one command at a time, and
compares the two servers' answers command by command (the IRQ lines a
command causes and its reply). A differing answer must be covered by an
entry of an accepted-differences file (tests/qemu-diff/accepted/*.txt) that
names the docs/divergences.md row explaining it; an unexplained difference
fails, and so does an entry line with no difference on it.

The board of a script is the machine named by a '# machine: NAME' header
line, else the file name (examples/pc.qtest is for pc). QEMU runs the
machine of a '# qemu-machine: NAME' line when there is one, else the same
machine.

snapshot_save and snapshot_load are emutime extensions: their own answers
are not compared. QEMU gets the equivalent of a snapshot_load: a fresh QEMU
that replays the commands before the matching snapshot_save (answers
discarded), so the commands after the load are compared.
"""
import argparse
import glob
import json
import importlib.util
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))


def load_transcript_tool():
    path = os.path.join(SRC, 'tools', 'qemu-transcript.py')
    spec = importlib.util.spec_from_file_location('qemu_transcript', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


qt = load_transcript_tool()


# --- scripts ------------------------------------------------------------------

def default_scripts():
    scripts = sorted(glob.glob(os.path.join(SRC, 'examples', '*.qtest')))
    scripts += sorted(glob.glob(os.path.join(SRC, 'examples', 'devices', '*.qtest')))
    scripts += sorted(glob.glob(os.path.join(SRC, 'tests', 'fuzz', 'corpus', 'fuzz_qtest',
                                             '*.qtest')))
    scripts += sorted(glob.glob(os.path.join(HERE, 'scripts', '*.qtest')))
    return scripts


def header(lines, key):
    pat = re.compile(r'^#\s*' + key + r':\s*(\S+)\s*$')
    for line in lines:
        m = pat.match(line.strip())
        if m:
            return m.group(1)
    return None


# What QEMU runs for a machine whose script names no qemu-machine, when it
# is not the same machine (none today: pc and q35 have QEMU's PIT).
QEMU_MACHINE = {}


class Script:
    def __init__(self, path):
        self.path = path
        self.rel = os.path.relpath(path, SRC)
        with open(path, 'rb') as f:
            data = f.read()
        if data and data[0] < 0x20 and data[0] not in b'\t\n\r':
            data = data[1:]  # a fuzz corpus seed: its first byte selects the machine
        self.lines = data.decode('utf-8', 'replace').splitlines()
        self.machine = header(self.lines, 'machine') or \
            os.path.splitext(os.path.basename(path))[0]
        self.qemu_machine = header(self.lines, 'qemu-machine') or \
            QEMU_MACHINE.get(self.machine, self.machine)
        # "# qemu-diff: skip REASON": QEMU cannot run this script at all (it
        # crashes on it, say); the reason is printed, never silently.
        m = [re.match(r'^#\s*qemu-diff:\s*skip\s+(.+)$', l.strip()) for l in self.lines]
        self.skip = next((x.group(1) for x in m if x), None)
        # (line number, command) for every command line
        self.commands = [(i + 1, line) for i, line in enumerate(self.lines)
                         if line.strip(' \t\r') and not line.strip(' \t\r').startswith('#')]


# --- accepted differences -------------------------------------------------------

def parse_lines(spec):
    out = set()
    for part in spec.split(','):
        if '-' in part:
            a, b = part.split('-', 1)
            out.update(range(int(a), int(b) + 1))
        else:
            out.add(int(part))
    return out


def divergence_rows(path):
    """{section: set(first cells)} of docs/divergences.md's tables."""
    rows = {}
    section = None
    with open(path) as f:
        for line in f:
            if line.startswith('## '):
                section = line[3:].strip()
                rows.setdefault(section, set())
            elif section and line.startswith('|') and not line.startswith('|---'):
                cell = line.split('|')[1].strip()
                rows[section].add(cell)
    return rows


class Entry:
    def __init__(self, file, lineno, script, lines, section, row):
        self.file, self.lineno = file, lineno
        self.script, self.lines = script, lines
        self.section, self.row = section, row
        self.matched = set()  # the lines that did differ

    def where(self):
        return '%s:%d' % (os.path.relpath(self.file, SRC), self.lineno)


def load_accepted(directory, rows):
    """Entries: 'SCRIPT LINES Section / Row' (LINES: 12,14-20), '#' comments."""
    entries, errors = [], []
    for file in sorted(glob.glob(os.path.join(directory, '*.txt'))):
        with open(file) as f:
            for n, raw in enumerate(f, 1):
                line = raw.strip()
                if not line or line.startswith('#'):
                    continue
                parts = line.split(None, 2)
                ref = parts[2].split(' / ', 1) if len(parts) == 3 else []
                if len(ref) != 2:
                    errors.append('%s:%d: expected "SCRIPT LINES Section / Row"' % (file, n))
                    continue
                section, row = ref[0].strip(), ref[1].strip()
                try:
                    lines = parse_lines(parts[1])
                except ValueError:
                    errors.append('%s:%d: bad line list %r' % (file, n, parts[1]))
                    continue
                if section not in rows:
                    errors.append('%s:%d: no section "## %s" in docs/divergences.md'
                                  % (file, n, section))
                elif row not in rows[section]:
                    errors.append('%s:%d: no row "%s" in section "%s" of docs/divergences.md'
                                  % (file, n, row, section))
                entries.append(Entry(file, n, parts[0], lines, section, row))
    return entries, errors


# --- running ----------------------------------------------------------------

def qemu_binaries(emutime):
    """{board name: the qemu-system-* binary that runs it}, from the boards'
    own tables (`emutime machines --json`): one place says it."""
    out = subprocess.run([emutime, 'machines', '--json'], check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    return {b['name']: b['qemu_binary'] for b in json.loads(out)}


def qemu_session(kit, binaries, script, cwd):
    name = binaries.get(script.qemu_machine.split(',')[0])
    if not name:
        raise RuntimeError('no QEMU binary known for machine %r' % script.qemu_machine)
    extra = []
    if name.startswith('qemu-system-x86') and os.path.isdir('/usr/share/seabios'):
        extra = ['-L', '/usr/share/seabios']
    cmd = qt.qemu_command(os.path.join(kit, 'bin', name), script.qemu_machine, extra)
    return qt.Session(cmd, cwd=cwd)


def run_script(kit, binaries, emutime, script, cwd):
    """[(line number, command, qemu answer, emutime answer)] for each command
    whose answers differ, and the number of commands compared."""
    em = qt.Session([emutime, 'qtest', '--machine', script.machine], cwd=cwd)
    qm = qemu_session(kit, binaries, script, cwd)
    history, saves, diffs, compared = [], {}, [], 0
    try:
        for lineno, cmd in script.commands:
            words = cmd.split(' ')
            ea = em.send(cmd)
            if words[0] == 'snapshot_save' and len(words) > 1:
                saves[words[1]] = list(history)
                continue
            if words[0] == 'snapshot_load' and len(words) > 1:
                if words[1] not in saves:
                    raise RuntimeError('line %d: snapshot_load of a file this script did '
                                       'not save' % lineno)
                qm.close()
                qm = qemu_session(kit, binaries, script, cwd)
                history = list(saves[words[1]])
                for c in history:
                    qm.send(c)
                continue
            qa = qm.send(cmd)
            history.append(cmd)
            compared += 1
            if qa != ea:
                diffs.append((lineno, cmd, qa, ea))
    finally:
        em.close()
        qm.close()
    return diffs, compared


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('kit', help='QEMU kit directory (KIT/bin/qemu-system-*)')
    ap.add_argument('emutime', help='the emutime binary')
    ap.add_argument('scripts', nargs='*', help='scripts (default: all)')
    ap.add_argument('--accepted', default=os.path.join(HERE, 'accepted'),
                    help='directory of accepted-differences files')
    ap.add_argument('--divergences', default=os.path.join(SRC, 'docs', 'divergences.md'))
    ap.add_argument('--propose', action='store_true',
                    help='print entry lines for the unexplained differences')
    args = ap.parse_args()

    emutime = os.path.abspath(args.emutime)
    binaries = qemu_binaries(emutime)
    rows = divergence_rows(args.divergences)
    entries, errors = load_accepted(args.accepted, rows)
    for e in errors:
        print('error: ' + e)
    scripts = [Script(os.path.abspath(p)) for p in (args.scripts or default_scripts())]

    passed = failed = skipped = 0
    proposals = []
    with tempfile.TemporaryDirectory() as cwd:
        for script in scripts:
            if script.skip:
                print('skip %s (%s): %s' % (script.rel, script.machine, script.skip))
                skipped += 1
                continue
            try:
                diffs, compared = run_script(args.kit, binaries, emutime, script, cwd)
            except (EOFError, RuntimeError, OSError) as e:
                print('FAIL %s (%s): %s' % (script.rel, script.machine, e))
                failed += 1
                continue
            unexplained = []
            for lineno, cmd, qa, ea in diffs:
                hits = [e for e in entries if e.script == script.rel and lineno in e.lines]
                for e in hits:
                    e.matched.add(lineno)
                if not hits:
                    unexplained.append((lineno, cmd, qa, ea))
            if unexplained:
                failed += 1
                print('FAIL %s (%s): %d of %d commands differ, %d unexplained'
                      % (script.rel, script.machine, len(diffs), compared, len(unexplained)))
                for lineno, cmd, qa, ea in unexplained:
                    print('  line %d: %s' % (lineno, cmd))
                    print('    qemu:    ' + ' | '.join(qa))
                    print('    emutime: ' + ' | '.join(ea))
                    proposals.append('%s %d TODO-section / TODO-row' % (script.rel, lineno))
            else:
                passed += 1
                print('ok   %s (%s): %d commands, %d accepted differences'
                      % (script.rel, script.machine, compared, len(diffs)))
    ran = {s.rel for s in scripts}
    for e in entries:
        if args.scripts and e.script not in ran:
            continue
        stale = sorted(e.lines - e.matched)
        if not e.matched:
            print('error: %s: accepted difference matches nothing (%s, lines %s)'
                  % (e.where(), e.script, ','.join(map(str, stale))))
            errors.append(e)
        elif stale:
            print('error: %s: %s line(s) %s: no difference there'
                  % (e.where(), e.script, ','.join(map(str, stale))))
            errors.append(e)
    if args.propose and proposals:
        print('# proposed entries:')
        for p in proposals:
            print(p)
    # A bad or stale accepted entry counts as a failure of its own.
    print('%d passed, %d failed%s' % (passed, failed + len(errors),
                                      ', %d skipped' % skipped if skipped else ''))
    return 1 if failed or errors else 0


if __name__ == '__main__':
    sys.exit(main())
