/**
 * The Slurm queue's sidebar icon: three queued jobs.
 */
import { LabIcon } from '@jupyterlab/ui-components';

// `jp-icon3` lets the theme recolour the fill (light and dark).
const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <rect x="3" y="4" width="4" height="4" rx="1"/>
    <rect x="9" y="5" width="12" height="2" rx="1"/>
    <rect x="3" y="10" width="4" height="4" rx="1"/>
    <rect x="9" y="11" width="9" height="2" rx="1"/>
    <rect x="3" y="16" width="4" height="4" rx="1"/>
    <rect x="9" y="17" width="6" height="2" rx="1"/>
  </g>
</svg>`;

export const slurmQueueIcon = new LabIcon({
  name: 'jupyterlab-hpc:slurm-queue',
  svgstr
});
