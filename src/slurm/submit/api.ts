/**
 * The typed client of the submission routes (`hpc/api/slurm/jobs`, its
 * preview, partitions and profiles): the only file of the submit feature
 * that knows their URLs.
 */
import type { Requester } from '../api';

/** sbatch options from the form (`options` of the request body). */
export interface ISubmitOptions {
  partition?: string;
  account?: string;
  qos?: string;
  time?: string;
  nodes?: number;
  cpusPerTask?: number;
  mem?: string;
  gpus?: number;
  name?: string;
}

/** The body of `POST slurm/jobs` and of its preview. */
export interface ISubmitRequest {
  script: string;
  /** Folder relative to the Jupyter root; the root when absent. */
  cwd?: string;
  profile?: string;
  options?: ISubmitOptions;
}

/** `201` of `POST slurm/jobs`. */
export interface ISubmitted {
  jobId: string;
  cluster?: string;
  /** sbatch's stderr lines on success (warnings, site messages). */
  warnings: string[];
}

/** `POST slurm/jobs/preview`: exactly what a submission would run. */
export interface IPreview {
  script: string;
  argv: string[];
}

/** A site's submission profile (`GET slurm/profiles`). */
export interface IProfile {
  name: string;
  description?: string;
  partition?: string;
  account?: string;
  qos?: string;
  time?: string;
  nodes?: number;
  cpus?: number;
  memory?: string;
  gpus?: number;
  modules?: string[];
  directives?: string[];
}

/** `allocated/idle/other/total` counts of `sinfo -s`. */
export interface ICounts {
  allocated: number;
  idle: number;
  other: number;
  total: number;
}

/** A partition (`GET slurm/partitions`). */
export interface IPartition {
  name: string;
  isDefault: boolean;
  available: boolean;
  nodes: ICounts;
  cpus: ICounts;
  /** e.g. "gpu:fake:4", null without GRES. */
  gres: string | null;
  /** null = UNLIMITED. */
  maxTimeSec: number | null;
}

export class SubmitClient {
  constructor(server: Requester) {
    this._server = server;
  }

  /** `POST slurm/jobs`: sbatch runs; resolves with the new job id. */
  submit(request: ISubmitRequest): Promise<ISubmitted> {
    return this._post<ISubmitted>('slurm/jobs', request);
  }

  /** `POST slurm/jobs/preview`: validated like a submission; runs nothing. */
  preview(request: ISubmitRequest): Promise<IPreview> {
    return this._post<IPreview>('slurm/jobs/preview', request);
  }

  async profiles(): Promise<IProfile[]> {
    const body = await this._server.request<{ profiles: IProfile[] }>(
      'slurm/profiles'
    );
    return body.profiles;
  }

  async partitions(): Promise<IPartition[]> {
    const body = await this._server.request<{ partitions: IPartition[] }>(
      'slurm/partitions'
    );
    return body.partitions;
  }

  private _post<T>(path: string, body: ISubmitRequest): Promise<T> {
    return this._server.request<T>(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    });
  }

  private _server: Requester;
}
