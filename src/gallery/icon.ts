/**
 * The gallery's icon: a notebook page with a star (curated examples).
 */
import { LabIcon } from '@jupyterlab/ui-components';

// `jp-icon3` lets the theme recolour it (light and dark).
const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M5 2h10l4 4v16H5zm2 2v16h10V7h-3V4z"/>
    <path d="M12 9.2l1 2.1 2.3.3-1.7 1.6.4 2.3-2-1.1-2 1.1.4-2.3-1.7-1.6 2.3-.3z"/>
  </g>
</svg>`;

export const galleryIcon = new LabIcon({
  name: 'jupyterlab-hpc:gallery',
  svgstr
});
