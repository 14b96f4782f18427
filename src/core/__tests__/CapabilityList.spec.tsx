import { nullTranslator } from '@jupyterlab/translation';
import { render, screen, within } from '@testing-library/react';
import * as React from 'react';
import { versionInfo } from '../../__tests__/fakeServer';
import { IVersionInfo } from '../../tokens';
import { CapabilityList } from '../components/CapabilityList';

const trans = nullTranslator.load('jupyterlab_hpc');

describe('CapabilityList', () => {
  it('lists each feature as available or with the reason why not', () => {
    const info = versionInfo() as IVersionInfo;
    render(<CapabilityList state={{ kind: 'ok', info }} trans={trans} />);
    const slurm = screen.getByRole('row', { name: /Slurm/ });
    expect(within(slurm).getByText('available')).toBeTruthy();
    expect(slurm.textContent).toContain('Slurm 22.05.8 on testcluster');
    const gpu = screen.getByRole('row', { name: /GPUs/ });
    expect(within(gpu).getByText('unavailable')).toBeTruthy();
    expect(gpu.textContent).toContain('nvidia-smi was not found');
    expect(screen.getByRole('row', { name: /Dask/ }).textContent).toContain(
      'Dask 2022.12.1 with /usr/bin/python3'
    );
    expect(
      screen.getByRole('row', { name: /Example gallery/ }).textContent
    ).toContain('No gallery catalogue is configured');
  });

  it('shows an unreachable server as an alert', () => {
    render(
      <CapabilityList
        state={{ kind: 'missing', message: 'connection refused' }}
        trans={trans}
      />
    );
    expect(screen.getByRole('alert').textContent).toContain(
      'connection refused'
    );
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('shows a version mismatch above the capabilities', () => {
    const info = versionInfo({ version: '0.9.0' }) as IVersionInfo;
    render(
      <CapabilityList
        state={{
          kind: 'incompatible',
          info,
          message: 'The server is version 0.9.0'
        }}
        trans={trans}
      />
    );
    expect(screen.getByRole('alert').textContent).toContain('0.9.0');
    expect(screen.getByRole('table')).toBeTruthy();
  });
});
