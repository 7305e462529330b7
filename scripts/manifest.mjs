// Writes oclif.manifest.json so `tpod CMD` loads only the one command it runs (start-up
// speed). oclif rebuilds the manifest in memory when the file is absent; we save that.
import { rmSync, writeFileSync } from 'node:fs';
import { Config } from '@oclif/core';

const root = new URL('..', import.meta.url).pathname;
rmSync(`${root}/oclif.manifest.json`, { force: true });
const config = await Config.load(root);
const manifest = config.getPluginsList().find((plugin) => plugin.root === config.root)?.manifest;
if (!manifest || Object.keys(manifest.commands).length === 0) throw new Error('no commands found for the manifest');
writeFileSync(`${root}/oclif.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`);
