/**
 * Where a foreground container's output lines go besides the terminal, per log driver:
 * the k8s-file log (`TIME STREAM F|P TEXT`), or the journal with the same fields conmon
 * writes for a detached container (CONTAINER_ID_FULL, CONTAINER_NAME, PRIORITY 6 for
 * stdout and 3 for stderr, MESSAGE with its newline), so `tpod logs` and
 * `journalctl CONTAINER_NAME=…` read both alike.
 *
 * journald takes such entries only as datagrams on /run/systemd/journal/socket, which
 * Node cannot send (its dgram module is UDP only; the stream socket that systemd-cat uses
 * takes no fields of one's own). A small perl process sends them: perl-base is Essential
 * on Debian, and its Socket module speaks unix datagrams. It lives as long as the
 * container's output and is waited for before the container counts as exited, so the
 * entries are in the journal when `tpod logs` looks.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { once } from 'node:events';

export type OutputStream = 'stdout' | 'stderr';

export interface LogLineSink {
  /** Complete lines (without their newline), or one partial line at the end of a stream. */
  write(stream: OutputStream, lines: readonly string[], partial: boolean): void;
  /** Resolves when everything written is stored. */
  close(): Promise<void>;
}

export function k8sFileSink(path: string): LogLineSink {
  return {
    write(stream, lines, partial) {
      const time = new Date().toISOString();
      appendFileSync(path, lines.map((line) => `${time} ${stream} ${partial ? 'P' : 'F'} ${line}\n`).join(''));
    },
    close: () => Promise.resolve(),
  };
}

/** journald's entries are datagrams; a longer line goes as parts, as conmon splits them. */
const MAX_ENTRY_TEXT = 16 * 1024;

/**
 * Reads records `STREAM KIND TEXT` (O|E, F|P) from stdin, one per line, and sends each as
 * a native-protocol journal entry: the fixed fields from the arguments, PRIORITY, and
 * MESSAGE in the protocol's length-prefixed form (it ends with a newline).
 */
const JOURNAL_WRITER = String.raw`
use strict; use warnings; use Socket;
socket(my $sock, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\n";
my $journal = pack_sockaddr_un('/run/systemd/journal/socket');
my $fields = join('', map { "$_\n" } @ARGV);
binmode STDIN;
while (defined(my $record = <STDIN>)) {
  chomp $record;
  my ($stream, $kind, $text) = unpack('a1 a1 a*', $record);
  $text .= "\n" if $kind eq 'F';
  my $entry = $fields . 'PRIORITY=' . ($stream eq 'E' ? 3 : 6) . "\n"
    . ($kind eq 'F' ? '' : "CONTAINER_PARTIAL_MESSAGE=true\n")
    . "MESSAGE\n" . pack('Q<', length $text) . $text . "\n";
  send($sock, $entry, 0, $journal) or die "send: $!\n";
}
`;

/** `warn` is told once if the journal cannot be written (no perl, no journald). */
export function journaldSink(container: { id: string; name: string }, warn: (message: string) => void): LogLineSink {
  const fields = [
    `CONTAINER_ID=${container.id.slice(0, 12)}`,
    `CONTAINER_ID_FULL=${container.id}`,
    `CONTAINER_NAME=${container.name}`,
    `CONTAINER_TAG=${container.name}`,
    `SYSLOG_IDENTIFIER=${container.name}`,
  ];
  const writer = spawn('perl', ['-e', JOURNAL_WRITER, ...fields], { stdio: ['pipe', 'ignore', 'pipe'] });
  let failure = '';
  writer.stderr.on('data', (chunk: Buffer) => (failure += chunk.toString()));
  const exited = once(writer, 'close').catch(() => undefined);
  let warned = false;
  const fail = (reason: string): void => {
    if (warned) return;
    warned = true;
    warn(`the container's output does not reach the journal: ${reason}`);
  };
  writer.on('error', (err) => fail(err.message));
  writer.stdin.on('error', () => fail(failure.trim() || 'the journal writer stopped'));
  return {
    write(stream, lines, partial) {
      const prefix = stream === 'stdout' ? 'O' : 'E';
      const records = lines.flatMap((line) => splitLong(line).map((part, i, parts) => {
        const whole = !partial && i === parts.length - 1;
        return `${prefix}${whole ? 'F' : 'P'}${part}\n`;
      }));
      if (records.length && writer.stdin.writable) writer.stdin.write(records.join(''));
    },
    async close() {
      writer.stdin.end();
      await exited;
      if (writer.exitCode !== 0 && writer.exitCode !== null) fail(failure.trim() || `exit ${writer.exitCode}`);
    },
  };
}

function splitLong(line: string): string[] {
  if (line.length <= MAX_ENTRY_TEXT) return [line];
  const parts: string[] = [];
  for (let start = 0; start < line.length; start += MAX_ENTRY_TEXT) parts.push(line.slice(start, start + MAX_ENTRY_TEXT));
  return parts;
}
