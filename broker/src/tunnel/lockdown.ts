/**
 * Connection parameters that keep everything but pixels on the desktop side, sent to guacd for every
 * connection. Parameters a protocol does not know are ignored by guacd, so the RDP ones are set too.
 */
export function lockdownSettings({
  disablePaste,
  disableCopy = true,
}: {
  disablePaste: boolean;
  /** Only the egress test's control run turns this off; configuration refuses it in production. */
  disableCopy?: boolean;
}): Record<string, string> {
  return {
    'disable-copy': disableCopy ? 'true' : 'false',
    'disable-paste': disablePaste ? 'true' : 'false',
    'enable-sftp': 'false',
    'enable-audio': 'false',
    'enable-audio-input': 'false',
    'enable-drive': 'false',
    'enable-printing': 'false',
    'disable-download': 'true',
    'disable-upload': 'true',
    'clipboard-encoding': 'UTF-8',
  };
}
