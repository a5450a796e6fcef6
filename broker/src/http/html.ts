export { escapeHtml } from '@hcw/common';
