/**
 * What a container is created with, kept verbatim in the database: the spec options
 * (src/spec) plus what tpod itself acts on — removal on exit, log driver, restart policy,
 * stop signal and timeout, the storage driver and the command line (generate systemd).
 */
import type { Labels } from '../labels.js';
import type { ContainerSpecOptions } from '../spec/options.js';

export type LogDriver = 'k8s-file' | 'journald' | 'none';

export interface ContainerConfig {
  spec: ContainerSpecOptions;
  autoRemove: boolean;
  logDriver: LogDriver;
  restartPolicy: string;
  stopSignal: string | undefined;
  stopTimeout: number;
  storageDriver: string;
  runtime: string;
  /** argv of the create/run command, for `tpod generate systemd --new`. */
  createCommand: string[];
  /** --conmon-pidfile: a second copy of conmon's PID file, for PIDFile= of a systemd unit. */
  conmonPidFile?: string | undefined;
  /** Named and anonymous volumes mounted (their binds are in spec.mounts). */
  volumes?: string[];
  /** Anonymous volumes (`-v /path`): removed with the container by `rm -v` and --rm. */
  anonymousVolumes?: string[];
  /**
   * --label and --label-file; at create, the image's labels are merged under them, so
   * this is what inspect shows (containers created before labels existed have none).
   */
  labels?: Labels;
}
