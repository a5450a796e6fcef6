# The desktop image: Debian 12 with Xvnc, openbox, the locked-down kiosk browser and the desktop agent,
# installed by vdi-images/provision/provision-desktop.sh, the same script the Ansible role runs.
#
# Two sources share one set of provisioners:
#   qemu.debian12        a local qcow2 image from Debian's generic cloud image (on-premises hosts, tests)
#   amazon-ebs.debian12  an AMI for the desktop-pool Terraform module
#
# The repository goes into the build as an archive of one commit (see build.sh), never as a working tree.

packer {
  required_version = ">= 1.6.6"
}

variable "image_version" {
  type        = string
  description = "Version label of the image; written to /etc/hcw-image/version and reported by the agent."
}

variable "portal_url" {
  type        = string
  description = "Address of the portal the kiosk opens; always on the kiosk's allow-list."
}

variable "allowed_urls" {
  type        = list(string)
  default     = []
  description = "Further http(s) origins the kiosk may open, such as the vendor systems the portal links to."
}

variable "source_archive" {
  type        = string
  default     = "output/hcw-source.tar.gz"
  description = "Archive of the repository at the commit being built (git archive), made by build.sh."
}

variable "debian_image_url" {
  type        = string
  default     = "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2"
  description = "Debian 12 generic cloud image the qemu build starts from."
}

variable "debian_image_checksum" {
  type        = string
  default     = "file:https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS"
  description = "Checksum of debian_image_url, or file:URL of a checksum list that names it."
}

variable "qemu_output_directory" {
  type        = string
  default     = "output/desktop-qemu"
  description = "Where the qemu build writes the finished qcow2 image."
}

variable "qemu_accelerator" {
  type        = string
  default     = "kvm"
  description = "QEMU accelerator: kvm on a Linux build host, tcg where there is none (slow)."
}

variable "aws_region" {
  type        = string
  default     = "ap-northeast-1"
  description = "AWS region the AMI is built and registered in (Tokyo)."
}

variable "aws_instance_type" {
  type        = string
  default     = "t3.medium"
  description = "Instance type of the temporary build instance."
}

variable "aws_subnet_id" {
  type        = string
  default     = ""
  description = "Subnet of the build instance; empty uses the default VPC."
}

variable "aws_kms_key_id" {
  type        = string
  default     = ""
  description = "KMS key for the AMI's encrypted volume; empty uses the AWS-managed key."
}

locals {
  image_name  = "hcw-desktop-${var.image_version}"
  build_stamp = formatdate("YYYYMMDDhhmmss", timestamp())
  # Build-only login of the qemu build, set by http/user-data and locked by finish-image.sh.
  qemu_build_user     = "hcw-build"
  qemu_build_password = "hcw-image-build"
}

source "qemu" "debian12" {
  iso_url          = var.debian_image_url
  iso_checksum     = var.debian_image_checksum
  disk_image       = true
  format           = "qcow2"
  disk_size        = "20G"
  disk_interface   = "virtio"
  net_device       = "virtio-net"
  accelerator      = var.qemu_accelerator
  headless         = true
  memory           = 4096
  cpus             = 2
  output_directory = var.qemu_output_directory
  vm_name          = "${local.image_name}.qcow2"
  # cloud-init reads its seed (the build user) from Packer's HTTP server.
  http_directory = "${path.root}/http"
  qemuargs = [
    ["-smbios", "type=1,serial=ds=nocloud-net;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/"],
  ]
  communicator     = "ssh"
  ssh_username     = local.qemu_build_user
  ssh_password     = local.qemu_build_password
  ssh_timeout      = "20m"
  shutdown_command = "sudo shutdown -P now"
}

source "amazon-ebs" "debian12" {
  region        = var.aws_region
  instance_type = var.aws_instance_type
  subnet_id     = var.aws_subnet_id
  source_ami_filter {
    filters = {
      name                = "debian-12-amd64-*"
      architecture        = "x86_64"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    # Debian's own account.
    owners      = ["136693071363"]
    most_recent = true
  }
  ssh_username    = "admin"
  ami_name        = "${local.image_name}-${local.build_stamp}"
  ami_description = "Home-care workspace desktop ${var.image_version}"
  encrypt_boot    = true
  kms_key_id      = var.aws_kms_key_id
  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = 20
    volume_type           = "gp3"
    iops                  = 3000
    throughput            = 125
    delete_on_termination = true
  }
  tags = {
    Name         = local.image_name
    Component    = "desktop"
    ImageVersion = var.image_version
  }
}

build {
  sources = ["source.qemu.debian12", "source.amazon-ebs.debian12"]

  provisioner "file" {
    source      = var.source_archive
    destination = "/tmp/hcw-source.tar.gz"
    generated   = true
  }

  # The desktop-pool module's first-boot script reads the agent secret with the AWS CLI.
  provisioner "shell" {
    only            = ["amazon-ebs.debian12"]
    execute_command = "chmod +x {{ .Path }}; sudo env {{ .Vars }} {{ .Path }}"
    inline = [
      "export DEBIAN_FRONTEND=noninteractive",
      "apt-get update -qq",
      "apt-get install -y -qq --no-install-recommends awscli curl",
    ]
  }

  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo env {{ .Vars }} {{ .Path }}"
    environment_vars = [
      "HCW_REPO_DIR=/opt/hcw-source",
      "HCW_PORTAL_URL=${var.portal_url}",
      "HCW_ALLOWED_URLS=${join(" ", var.allowed_urls)}",
      "HCW_IMAGE_VERSION=${var.image_version}",
      "HCW_MANAGE_SERVICES=false",
    ]
    inline = [
      "set -eu",
      "mkdir -p /opt/hcw-source",
      "tar -xzf /tmp/hcw-source.tar.gz -C /opt/hcw-source",
      "bash /opt/hcw-source/vdi-images/provision/provision-desktop.sh",
      "rm -rf /opt/hcw-source /tmp/hcw-source.tar.gz",
    ]
  }

  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo env {{ .Vars }} bash {{ .Path }}"
    script          = "${path.root}/finish-image.sh"
  }
}
