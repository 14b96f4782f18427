/**
 * The gallery view (main area): curated and staged examples with search and
 * tag filters, cards with thumbnail, kernel and author, Preview / Use, the
 * user's copies with Open / Update, progress with Cancel while a copy is
 * made, the user's submissions, and Approve / Reject for reviewers.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';
import { galleryIcon } from './icon';
import { filterExamples, GalleryModel, tagCounts } from './model';
import type { ICopy, IGalleryExample, ISubmission, ITask } from './types';

export interface IGalleryActions {
  preview(id: string): void;
  use(id: string): void;
  cancel(taskId: string): void;
  openCopy(copy: ICopy): void;
  update(id: string, path: string): void;
  withdraw(submission: ISubmission): void;
  review(submission: ISubmission, decision: 'approve' | 'reject'): void;
}

interface IProps {
  model: GalleryModel;
  actions: IGalleryActions;
  trans: TranslationBundle;
}

/** Re-renders when the model changes. */
function useModel(model: GalleryModel): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const bump = () => setTick(t => t + 1);
    model.changed.connect(bump);
    return () => {
      model.changed.disconnect(bump);
    };
  }, [model]);
}

function Thumbnail(props: { example: IGalleryExample; src: string | null }) {
  const [failed, setFailed] = React.useState(false);
  if (!props.src || failed) {
    return (
      <div className="jp-HpcGallery-thumb jp-HpcGallery-thumbPlaceholder">
        <galleryIcon.react width="48px" height="48px" />
      </div>
    );
  }
  return (
    <img
      className="jp-HpcGallery-thumb"
      src={props.src}
      alt=""
      loading="lazy"
      onError={() => setFailed(true)}
    />
  );
}

function Progress(props: {
  task: ITask;
  trans: TranslationBundle;
  onCancel: () => void;
}) {
  const { task, trans } = props;
  const pct =
    task.progress === null ? undefined : Math.round(task.progress * 100);
  return (
    <div className="jp-HpcGallery-progress">
      <div
        role="progressbar"
        aria-label={trans.__('Copying %1', task.exampleTitle)}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={task.message}
        className="jp-HpcGallery-bar"
      >
        <div
          className={
            pct === undefined
              ? 'jp-HpcGallery-barFill jp-mod-indeterminate'
              : 'jp-HpcGallery-barFill'
          }
          style={{ width: `${pct ?? 100}%` }}
        />
      </div>
      <div className="jp-HpcGallery-progressText">
        <span>{task.message}</span>
        <button
          className="jp-mod-styled jp-mod-warn"
          aria-label={trans.__('Cancel')}
          onClick={props.onCancel}
        >
          {trans.__('Cancel')}
        </button>
      </div>
    </div>
  );
}

function Card(props: IProps & { example: IGalleryExample }) {
  const { example, model, actions, trans } = props;
  const task = model.taskOf(example.id);
  const running = task?.state === 'running';
  const viewer = model.list?.viewer;
  const review = example.review;
  const submission = review
    ? model.list?.submissions.find(s => s.id === review.submissionId)
    : undefined;
  return (
    <article
      className="jp-HpcGallery-card"
      data-example-id={example.id}
      aria-label={example.title}
    >
      <Thumbnail
        example={example}
        src={example.thumbnail ? model.client.thumbnailUrl(example.id) : null}
      />
      <div className="jp-HpcGallery-body">
        <h3 className="jp-HpcGallery-title">{example.title}</h3>
        <div className="jp-HpcGallery-badges">
          {example.status === 'staged' && (
            <span className="jp-HpcGallery-badge jp-mod-staged">
              {trans.__('under review')}
            </span>
          )}
          {example.kernel && (
            <span
              className="jp-HpcGallery-badge"
              title={trans.__('Kernel it needs')}
            >
              {example.kernel}
            </span>
          )}
          <span className="jp-HpcGallery-badge">
            {example.kind === 'notebook'
              ? trans.__('notebook')
              : trans.__('folder')}
          </span>
        </div>
        {example.description && (
          <p className="jp-HpcGallery-description">{example.description}</p>
        )}
        <div className="jp-HpcGallery-meta">
          {example.author && <span>{trans.__('by %1', example.author)}</span>}
          {example.updated && (
            <span>{trans.__('updated %1', example.updated.slice(0, 10))}</span>
          )}
          {review?.reviewer && (
            <span>{trans.__('reviewed by %1', review.reviewer)}</span>
          )}
        </div>
        {example.tags.length > 0 && (
          <ul className="jp-HpcGallery-tags" aria-label={trans.__('Tags')}>
            {example.tags.map(t => (
              <li key={t}>{t}</li>
            ))}
          </ul>
        )}
        {running && task && (
          <Progress
            task={task}
            trans={trans}
            onCancel={() => actions.cancel(task.id)}
          />
        )}
        {task?.state === 'failed' && (
          <p className="jp-HpcGallery-error" role="alert">
            {task.error?.message ?? task.message}
          </p>
        )}
        <div className="jp-HpcGallery-actions">
          {example.entry !== undefined && (
            <button
              className="jp-mod-styled jp-mod-reject"
              aria-label={trans.__('Preview %1', example.title)}
              onClick={() => actions.preview(example.id)}
            >
              {trans.__('Preview')}
            </button>
          )}
          <button
            className="jp-mod-styled jp-mod-accept"
            aria-label={trans.__('Use %1', example.title)}
            disabled={running}
            title={trans.__(
              'Copy it into a new folder of yours (nothing of yours is overwritten)'
            )}
            onClick={() => actions.use(example.id)}
          >
            {trans.__('Use')}
          </button>
          {viewer?.reviewer &&
            submission &&
            submission.submitter !== viewer.user &&
            submission.state !== 'approved' && (
              <>
                <button
                  className="jp-mod-styled jp-mod-accept"
                  aria-label={trans.__('Approve %1', example.title)}
                  onClick={() => actions.review(submission, 'approve')}
                >
                  {trans.__('Approve')}
                </button>
                <button
                  className="jp-mod-styled jp-mod-warn"
                  aria-label={trans.__('Reject %1', example.title)}
                  onClick={() => actions.review(submission, 'reject')}
                >
                  {trans.__('Reject')}
                </button>
              </>
            )}
        </div>
        {example.copies.length > 0 && (
          <ul
            className="jp-HpcGallery-copies"
            aria-label={trans.__('Your copies of %1', example.title)}
          >
            {example.copies.map(c => (
              <li key={c.path}>
                <code>{c.path}</code>
                <button
                  className="jp-mod-styled jp-mod-reject"
                  aria-label={trans.__('Open my copy %1', c.path)}
                  onClick={() => actions.openCopy(c)}
                >
                  {trans.__('Open')}
                </button>
                <button
                  className="jp-mod-styled jp-mod-reject"
                  aria-label={trans.__('Update my copy %1', c.path)}
                  disabled={running}
                  title={trans.__(
                    "Bring in the example's changes; your own edits are kept"
                  )}
                  onClick={() => actions.update(example.id, c.path)}
                >
                  {trans.__('Update')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </article>
  );
}

function stateLabel(s: ISubmission, trans: TranslationBundle): string {
  switch (s.state) {
    case 'pending':
      return trans.__('waiting for review');
    case 'approved':
      return trans.__('approved by %1', s.reviewer ?? '');
    case 'rejected':
      return trans.__('rejected by %1', s.reviewer ?? '');
    case 'changed':
      return trans.__('changed since approval: waiting for review');
  }
}

function Submissions(props: IProps & { submissions: ISubmission[] }) {
  const { trans, actions, model } = props;
  const user = model.list?.viewer.user;
  return (
    <section
      className="jp-HpcGallery-section"
      aria-label={trans.__('Submissions')}
    >
      <h2>
        {model.list?.viewer.reviewer
          ? trans.__('Submissions')
          : trans.__('My submissions')}
      </h2>
      <ul className="jp-HpcGallery-submissions">
        {props.submissions.map(s => (
          <li key={s.id} data-submission-id={s.id}>
            <strong>{s.title}</strong>{' '}
            <span className={`jp-HpcGallery-state jp-mod-${s.state}`}>
              {stateLabel(s, trans)}
            </span>
            {s.submitter !== user && (
              <span> {trans.__('from %1', s.submitter)}</span>
            )}
            <span className="jp-HpcGallery-meta">
              {' '}
              {trans.__('submitted %1', s.submittedAt.slice(0, 16))}
            </span>
            {s.note && (
              <blockquote className="jp-HpcGallery-note">{s.note}</blockquote>
            )}
            {s.submitter === user && (
              <button
                className="jp-mod-styled jp-mod-reject"
                aria-label={trans.__('Withdraw %1', s.title)}
                onClick={() => actions.withdraw(s)}
              >
                {trans.__('Withdraw')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function GalleryPanel(props: IProps) {
  const { model, trans } = props;
  useModel(model);
  const [query, setQuery] = React.useState('');
  const [tags, setTags] = React.useState<string[]>([]);
  const list = model.list;
  const examples = list?.examples ?? [];
  const shown = filterExamples(examples, query, tags);
  const curated = shown.filter(e => e.status === 'curated');
  const staged = shown.filter(e => e.status === 'staged');
  const toggle = (t: string) =>
    setTags(tags.includes(t) ? tags.filter(x => x !== t) : [...tags, t]);
  const section = (label: string, items: IGalleryExample[], empty: string) => (
    <section className="jp-HpcGallery-section" aria-label={label}>
      <h2>{label}</h2>
      {items.length === 0 ? (
        <p className="jp-HpcGallery-empty">{empty}</p>
      ) : (
        <div className="jp-HpcGallery-grid">
          {items.map(e => (
            <Card key={e.id} {...props} example={e} />
          ))}
        </div>
      )}
    </section>
  );
  return (
    <div className="jp-HpcGallery">
      <div className="jp-HpcGallery-toolbar">
        <input
          type="search"
          className="jp-mod-styled jp-HpcGallery-search"
          placeholder={trans.__('Search examples')}
          aria-label={trans.__('Search examples')}
          value={query}
          onChange={e => setQuery(e.target.value)}
        />
        <button
          className="jp-mod-styled jp-mod-reject"
          onClick={() => void model.refresh()}
          disabled={model.loading}
          title={trans.__('Reload the gallery')}
          aria-label={trans.__('Refresh the gallery')}
        >
          {trans.__('Refresh')}
        </button>
      </div>
      {tagCounts(examples).length > 0 && (
        <div
          className="jp-HpcGallery-tagFilter"
          role="group"
          aria-label={trans.__('Filter by tag')}
        >
          {tagCounts(examples).map(([t, n]) => (
            <button
              key={t}
              className={
                tags.includes(t)
                  ? 'jp-HpcGallery-chip jp-mod-active'
                  : 'jp-HpcGallery-chip'
              }
              aria-pressed={tags.includes(t)}
              onClick={() => toggle(t)}
            >
              {t} <span className="jp-HpcGallery-count">{n}</span>
            </button>
          ))}
        </div>
      )}
      {model.error && (
        <p className="jp-HpcGallery-error" role="alert">
          {model.error}
        </p>
      )}
      {!list && !model.error && <p>{trans.__('Loading the gallery…')}</p>}
      {list && (
        <>
          {section(
            trans.__('Curated examples'),
            curated,
            examples.length
              ? trans.__('No curated example matches.')
              : trans.__('The gallery has no examples yet.')
          )}
          {section(
            trans.__('Staged examples'),
            staged,
            trans.__('No example is under review.')
          )}
          {list.submissions.length > 0 && (
            <Submissions {...props} submissions={list.submissions} />
          )}
          {list.errors.length > 0 && (
            <details className="jp-HpcGallery-problems">
              <summary>
                {trans._n(
                  '%1 catalogue problem',
                  '%1 catalogue problems',
                  list.errors.length
                )}
              </summary>
              <ul>
                {list.errors.map((e, i) => (
                  <li key={i}>
                    <code>{e.source}</code>: {e.message}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </div>
  );
}

export class GalleryWidget extends ReactWidget {
  constructor(private _props: IProps) {
    super();
    this.addClass('jp-HpcGallery-widget');
  }

  protected render(): React.ReactElement {
    return <GalleryPanel {...this._props} />;
  }
}
