/**
 * The Dask panel's sidebar icon: a scheduler linked to three workers.
 */
import { LabIcon } from '@jupyterlab/ui-components';

// `jp-icon3` lets the theme recolour it (light and dark).
const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="12" cy="5" r="3"/>
    <circle cx="5" cy="19" r="2.5"/>
    <circle cx="12" cy="19" r="2.5"/>
    <circle cx="19" cy="19" r="2.5"/>
    <path d="M11 8h2v4.2l5.6 3.6-1.1 1.7L12 14l-5.5 3.5-1.1-1.7L11 12.2z"/>
    <rect x="11" y="12" width="2" height="4.5"/>
  </g>
</svg>`;

export const daskIcon = new LabIcon({
  name: 'jupyterlab-hpc:dask',
  svgstr
});
