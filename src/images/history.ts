/**
 * `tpod image history`: the config's history entries, newest first, each non-empty one
 * matched with its layer's size, as podman prints them. Only the top row has the image ID
 * (tpod keeps no intermediate images); the others show <missing>, as podman does.
 */
import { humanAge, humanSize } from '../ui/human.js';
import type { ImageRecord } from './store.js';

export interface HistoryRow {
  ID: string;
  Created: string;
  CreatedAt: string | undefined;
  CreatedBy: string;
  Size: string;
  Comment: string;
}

export function imageHistory(image: ImageRecord, truncate: boolean, layerSize: (index: number) => number = () => 0): HistoryRow[] {
  const entries = image.config.history ?? [];
  let layerIndex = 0;
  const rows = entries.map((entry) => {
    const size = entry.empty_layer ? 0 : layerSize(layerIndex++);
    const createdBy = entry.created_by ?? '';
    return {
      ID: '<missing>',
      Created: humanAge(entry.created),
      CreatedAt: entry.created,
      CreatedBy: truncate && createdBy.length > 45 ? `${createdBy.slice(0, 42)}...` : createdBy,
      Size: humanSize(size),
      Comment: entry.comment ?? '',
    };
  });
  rows.reverse();
  if (rows[0]) rows[0].ID = image.id.slice(0, 12);
  return rows;
}
