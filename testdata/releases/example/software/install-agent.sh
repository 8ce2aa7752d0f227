#!/bin/sh
# Installs the Acme monitoring agent on an ECS made from the Acme WebStack image.
set -eu
systemctl enable --now acme-agent
