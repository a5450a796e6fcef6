#!/usr/bin/env bash
# Last step of an image build: leaves nothing of the build in the image. Run as root by Packer.
set -euo pipefail

# The build's own login (qemu builds) can no longer be used; the cloud's default user gets the
# deployment's key from cloud-init at first boot.
if id -u hcw-build >/dev/null 2>&1; then
  passwd --lock hcw-build >/dev/null
  usermod --expiredate 1 --shell /usr/sbin/nologin hcw-build
  rm -rf /home/hcw-build/.ssh
fi
rm -f /etc/ssh/sshd_config.d/50-cloud-init.conf

# Every host gets its own identity at first boot.
truncate -s 0 /etc/machine-id
rm -f /var/lib/dbus/machine-id /etc/ssh/ssh_host_*
cloud-init clean --logs --seed

apt-get clean
rm -rf /var/lib/apt/lists/* /tmp/* /var/tmp/*
find /var/log -type f -exec truncate -s 0 {} +
sync
