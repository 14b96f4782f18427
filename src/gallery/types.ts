/**
 * The gallery's wire types, as the server sends them (a copy of
 * server-proxy/src/gallery/types.ts and catalogue.ts's IExample).
 */

export interface IExample {
  id: string;
  title: string;
  description: string;
  tags: string[];
  status: 'curated' | 'staged';
  kind: 'notebook' | 'repository';
  entry?: string;
  thumbnail?: string;
  kernel?: string;
  author?: string;
  updated?: string;
}

/** A copy of an example this user made with "Use" and that still exists. */
export interface ICopy {
  /** Folder (or notebook, for a single-notebook example) relative to the root. */
  path: string;
  /** The entry notebook of the copy, relative to the root, when there is one. */
  entry?: string;
  createdAt: string;
  /** The commit it was cloned at (git sources). */
  commit?: string;
  /** When it was last updated from its source. */
  updatedAt?: string;
}

/** Review data of an example that came from a submission. */
export interface IReviewInfo {
  submissionId: string;
  submitter: string;
  submittedAt: string;
  sha256: string;
  reviewer?: string;
  reviewedAt?: string;
  note?: string;
}

/** An example as `GET api/gallery` sends it. */
export interface IGalleryExample extends IExample {
  /** This user's copies (may be empty). */
  copies: ICopy[];
  /** Present for examples that came from a submission. */
  review?: IReviewInfo;
}

export type TaskState = 'running' | 'done' | 'failed' | 'cancelled';

/** Per-file outcome of an Update. */
export interface IUpdateReport {
  /** Files taken from upstream (unchanged by the user, changed upstream). */
  updated: string[];
  /** Files new upstream, added. */
  added: string[];
  /** Files where upstream's change was NOT applied, with why. */
  conflicts: Array<{
    path: string;
    reason:
      | 'edited-both' // the user edited it and upstream changed it: the user's kept
      | 'deleted-by-you' // the user deleted it and upstream changed it: left deleted
      | 'removed-upstream' // upstream removed it: the user's file kept
      | 'exists' // new upstream, but the user has a file of that name: the user's kept
      | 'type-changed'; // a file became a folder/symlink or back: left alone
    /** Where upstream's version was written beside it, when it was (e.g. "a.upstream.ipynb"). */
    upstreamCopy?: string;
  }>;
  /** The commit (git) the copy is now at. */
  commit?: string;
  /** True when nothing changed upstream since the copy was made or last updated. */
  upToDate: boolean;
}

export interface ITask {
  id: string;
  kind: 'use' | 'update';
  exampleId: string;
  exampleTitle: string;
  state: TaskState;
  /** 0..1, or null when unknown (e.g. a local copy's first moments). */
  progress: number | null;
  /** What is happening now, in words ("Receiving objects 42 % (21/50)"). */
  message: string;
  /** The destination (use) or the copy (update), relative to the root. */
  path: string;
  /** The entry notebook, relative to the root, once done. */
  entry?: string;
  startedAt: string;
  finishedAt?: string;
  error?: { code: string; message: string };
  report?: IUpdateReport;
}

export type SubmissionState = 'pending' | 'approved' | 'rejected' | 'changed';

export interface ISubmission {
  /** Also the id of the example it appears as (pattern of example ids). */
  id: string;
  title: string;
  description: string;
  tags: string[];
  /** The notebook's file name in the staging area. */
  file: string;
  /** Where it was submitted from, relative to the submitter's root. */
  from: string;
  submitter: string;
  submittedAt: string;
  sha256: string;
  /** `changed`: approved, but the staged file no longer has the approved hash. */
  state: SubmissionState;
  reviewer?: string;
  reviewedAt?: string;
  note?: string;
}

/** `GET api/gallery`. */
export interface IGalleryList {
  examples: IGalleryExample[];
  errors: Array<{ source: string; message: string }>;
  viewer: {
    user: string;
    /** Named in `gallery.reviewers`. */
    reviewer: boolean;
    /** A staging area is configured and usable. */
    canSubmit: boolean;
    /** `gallery.destination`, relative to the root. */
    destination: string;
  };
  /** The viewer's own submissions; for a reviewer, all of them. */
  submissions: ISubmission[];
}
