/** Where the dashboard page lives in the package (source path = built path): the options page links to it. */
export const DASHBOARD_PAGE = 'extension/dashboard/index.html';
