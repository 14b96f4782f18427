import { nullTranslator } from '@jupyterlab/translation';
import { describeReason, KNOWN_REASONS } from '../reasons';

const trans = nullTranslator.load('jupyterlab_hpc');

describe('describeReason', () => {
  it('explains every common reason in words', () => {
    for (const reason of [
      'Priority',
      'Resources',
      'JobHeldUser',
      'JobHeldAdmin',
      'Dependency',
      'PartitionNodeLimit',
      'PartitionConfig',
      'JobArrayTaskLimit',
      'QOSMaxJobsPerUserLimit',
      'ReqNodeNotAvail'
    ]) {
      expect(KNOWN_REASONS).toContain(reason);
      expect(describeReason(reason, trans)?.length).toBeGreaterThan(15);
    }
    expect(new Set(KNOWN_REASONS.map(r => describeReason(r, trans))).size).toBe(
      KNOWN_REASONS.length
    );
  });

  it('tells held by the user from held by an admin', () => {
    expect(describeReason('JobHeldUser', trans)).toContain('its owner');
    expect(describeReason('JobHeldAdmin', trans)).toContain('administrator');
  });

  it('reads the code before its details', () => {
    expect(
      describeReason('ReqNodeNotAvail, UnavailableNodes:node[1-2]', trans)
    ).toBe(describeReason('ReqNodeNotAvail', trans));
  });

  it('has no words for None, unknown codes or nothing', () => {
    expect(describeReason('None', trans)).toBeNull();
    expect(describeReason('SomethingNew', trans)).toBeNull();
    expect(describeReason(null, trans)).toBeNull();
  });
});
