// results.md from the runner's JSON: one table row per benchmark, then what the figures
// mean, the notes the run collected, and the machine they were measured on.

function num(v, unit) {
  if (unit === 's') return `${v.toFixed(3)} s`;
  if (unit === 'MiB') return `${v.toFixed(2)} MiB`;
  return `${v.toFixed(1)} ${unit}`;
}

function cell(side, unit) {
  if (side.status !== 'ok' || !side.stats) return side.status === 'ok' ? '–' : side.status;
  const { median, min, max, n } = side.stats;
  const range = n > 1 ? ` (${num(min, unit).split(' ')[0]}–${num(max, unit)})` : '';
  return `${num(median, unit)}${range}`;
}

function result(r) {
  if (r.tpod.status === 'not implemented') return 'not implemented';
  if (r.pass === true) return 'pass';
  if (r.pass === false) return '**fail**';
  return '–';
}

export function markdown({ rows, notes, timings, machine, meta }) {
  const out = [];
  out.push('# tpod vs podman: benchmark results', '');
  out.push(`Measured ${meta.date} with \`${meta.command}\`${meta.quick ? ' (quick sizes)' : ''}; `
    + `whole run ${meta.totalSeconds.toFixed(0)} s${meta.partial ? ` — **partial: ${meta.partial}**` : ''}. Regenerate with \`npm run bench\` (see [README.md](README.md)).`, '');
  out.push('| benchmark | tpod median (min–max) | podman median (min–max) | tpod/podman | budget | result |');
  out.push('|---|---|---|---|---|---|');
  for (const r of rows) {
    const ratio = r.ratio === null ? '–' : `${r.ratio.toFixed(2)}${r.betterIs === 'higher' ? ' (higher is better)' : ''}`;
    out.push(`| ${r.name} | ${cell(r.tpod, r.unit)} | ${cell(r.podman, r.unit)} | ${ratio} | ${r.budget || '–'} | ${result(r)} |`);
  }
  out.push('', '## What each row measured', '');
  for (const r of rows) out.push(`- **${r.name}**: ${r.note}`);
  const errors = rows.flatMap((r) => ['tpod', 'podman']
    .filter((n) => r[n].error && r[n].status !== 'not measured')
    .map((n) => `- ${r.name}, ${n} (${r[n].status}): ${r[n].error}`));
  // Failures counted inside a measured row (run-d-rm), with the first error seen.
  for (const r of rows) {
    for (const n of ['tpod', 'podman']) {
      const d = r[n].detail ?? {};
      if (d.failures) errors.push(`- ${r.name}, ${n}: ${d.failures} failures; first: ${d.firstError}`);
    }
  }
  if (errors.length || notes.length) {
    out.push('', '## Notes and failures', '');
    out.push(...errors, ...notes.map((n) => `- ${n}`));
  }
  out.push('', '## Machine', '');
  for (const [k, v] of Object.entries(machine)) out.push(`- ${k}: ${v}`);
  out.push('', '## Time per benchmark (setup included)', '');
  out.push(Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ') + '.', '');
  return out.join('\n');
}

/**
 * Re-render a results.md from its results.json (after editing notes by hand, or a change
 * of this layout): node bench/lib/report.mjs bench/results.json > bench/results.md
 */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(markdown(JSON.parse(readFileSync(process.argv[2], 'utf8'))));
}

/** The table alone, for the terminal. */
export function table(rows) {
  return rows.map((r) => `${r.name.padEnd(16)} tpod ${cell(r.tpod, r.unit).padEnd(30)} podman ${cell(r.podman, r.unit).padEnd(30)} `
    + `ratio ${r.ratio === null ? '–' : r.ratio.toFixed(2)}  ${r.budget ? `[${r.budget}] ${result(r)}` : ''}`).join('\n');
}
