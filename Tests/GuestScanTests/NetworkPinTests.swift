import Testing
@testable import GuestScan

/// The KG413 parsers: a NIC pinned by MAC or a static address fires with its file, line and
/// field; DHCP, loopback and commented-out settings do not.
@Suite struct NetworkPinTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func ifcfgHWADDRAndAStaticBootProtoWithAnAddressFire() {
        let text = """
            DEVICE=eth0
            HWADDR=fa:16:3e:12:34:56
            BOOTPROTO=static
            IPADDR=192.168.0.10
            NETMASK=255.255.255.0
            ONBOOT=yes
            """
        let pins = IfcfgFile.pins(in: Self.bytes(text), path: "/etc/sysconfig/network-scripts/ifcfg-eth0")
        #expect(pins == [
            NetworkPin(path: "/etc/sysconfig/network-scripts/ifcfg-eth0", line: 2, field: "HWADDR", kind: .macAddress, interface: "eth0"),
            NetworkPin(path: "/etc/sysconfig/network-scripts/ifcfg-eth0", line: 3, field: "BOOTPROTO=static with IPADDR",
                       kind: .staticAddress, interface: "eth0"),
        ])
        let none = "DEVICE=eth1\nBOOTPROTO=none\nIPADDR0=10.0.0.5\nMACADDR=\"fa:16:3e:00:00:01\"\n"
        #expect(IfcfgFile.pins(in: Self.bytes(none), path: "/etc/sysconfig/network-scripts/ifcfg-eth1").map(\.field)
            == ["MACADDR", "BOOTPROTO=none with IPADDR0"])
    }

    @Test func ifcfgWithDHCPLoopbackOrACommentedMACDoesNotFire() {
        let dhcp = "DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n# HWADDR=fa:16:3e:12:34:56\nHWADDR=\n"
        #expect(IfcfgFile.pins(in: Self.bytes(dhcp), path: "/etc/sysconfig/network-scripts/ifcfg-eth0").isEmpty)
        let loopback = "DEVICE=lo\nIPADDR=127.0.0.1\nBOOTPROTO=static\n"
        #expect(IfcfgFile.pins(in: Self.bytes(loopback), path: "/etc/sysconfig/network-scripts/ifcfg-lo").isEmpty)
        // A static protocol without an address does not give one.
        #expect(IfcfgFile.pins(in: Self.bytes("DEVICE=eth2\nBOOTPROTO=none\n"), path: "/x/ifcfg-eth2").isEmpty)
    }

    @Test func netplanMACMatchesMACSettingsAndStaticAddressesFire() {
        let text = """
            network:
              version: 2
              ethernets:
                eth0:
                  match:
                    macaddress: "fa:16:3e:12:34:56"
                  set-name: eth0
                  dhcp4: true
                eth1:
                  addresses: [192.168.1.10/24]
                  routes:
                    - to: default
                      via: 192.168.1.1
                lo:
                  addresses: [127.0.0.1/8]
              bonds:
                bond0:
                  macaddress: 52:54:00:aa:bb:cc
                  dhcp4: yes
            """
        let pins = NetplanConfig.pins(in: Self.bytes(text), path: "/etc/netplan/50-cloud-init.yaml")
        #expect(pins == [
            NetworkPin(path: "/etc/netplan/50-cloud-init.yaml", line: 6, field: "network.ethernets.eth0.match.macaddress",
                       kind: .macAddress, interface: "eth0"),
            NetworkPin(path: "/etc/netplan/50-cloud-init.yaml", line: 18, field: "network.bonds.bond0.macaddress",
                       kind: .macAddress, interface: "bond0"),
            NetworkPin(path: "/etc/netplan/50-cloud-init.yaml", line: 10, field: "network.ethernets.eth1.addresses without dhcp4: true",
                       kind: .staticAddress, interface: "eth1"),
        ])
    }

    @Test func netplanWithDHCPAndNoMACDoesNotFire() {
        let text = """
            # written by cloud-init
            network:
              version: 2
              ethernets:
                eth0:
                  dhcp4: true
                  # macaddress: fa:16:3e:12:34:56
                  match:
                    name: eth*
                mixed:
                  dhcp4: true
                  addresses: [10.0.0.2/24]
            """
        #expect(NetplanConfig.pins(in: Self.bytes(text), path: "/etc/netplan/50-cloud-init.yaml").isEmpty)
        #expect(NetplanConfig.pins(in: Self.bytes("network: [unclosed"), path: "/etc/netplan/x.yaml").isEmpty)
    }

    @Test func networkManagerMACBindingsAndManualIPv4Fire() {
        let text = """
            [connection]
            id=System eth0
            type=ethernet
            interface-name=eth0

            [ethernet]
            mac-address=FA:16:3E:12:34:56
            cloned-mac-address=stable

            [ipv4]
            address1=192.168.0.10/24,192.168.0.1
            method=manual
            """
        let pins = NetworkManagerKeyfile.pins(in: Self.bytes(text), path: "/etc/NetworkManager/system-connections/eth0.nmconnection")
        #expect(pins.map(\.field) == ["[ethernet] mac-address", "[ipv4] method=manual"])
        #expect(pins.map { $0.line ?? 0 } == [7, 12])
        #expect(pins.allSatisfy { $0.interface == "eth0" })
        let dhcp = "[connection]\nid=cloud\n[ethernet]\n#mac-address=FA:16:3E:12:34:56\ncloned-mac-address=random\n[ipv4]\nmethod=auto\n"
        #expect(NetworkManagerKeyfile.pins(in: Self.bytes(dhcp), path: "/x.nmconnection").isEmpty)
    }

    @Test func debianStaticStanzasAndHWAddressFireButLoopbackAndDHCPDoNot() {
        let text = """
            source /etc/network/interfaces.d/*
            auto lo
            iface lo inet loopback
            iface lo inet static
              address 127.0.0.2

            allow-hotplug eth0
            iface eth0 inet static
                address 192.168.0.10/24
                hwaddress ether fa:16:3e:12:34:56
            # iface eth1 inet static
            iface eth1 inet dhcp
            """
        let pins = DebianInterfaces.pins(in: Self.bytes(text), path: "/etc/network/interfaces")
        #expect(pins == [
            NetworkPin(path: "/etc/network/interfaces", line: 8, field: "iface eth0 inet static", kind: .staticAddress, interface: "eth0"),
            NetworkPin(path: "/etc/network/interfaces", line: 10, field: "hwaddress", kind: .macAddress, interface: "eth0"),
        ])
        #expect(DebianInterfaces.includes(in: Self.bytes(text)) == ["/etc/network/interfaces.d/*"])
    }

    @Test func persistentNetRulesMatchingAMACFireWithTheirName() {
        let text = """
            # This file was automatically generated by the /lib/udev/write_net_rules
            # PCI device 0x1af4:0x1000 (virtio-pci)
            SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="fa:16:3e:12:34:56", ATTR{dev_id}=="0x0", ATTR{type}=="1", KERNEL=="eth*", NAME="eth0"
            # SUBSYSTEM=="net", ATTR{address}=="fa:16:3e:00:00:01", NAME="eth9"
            SUBSYSTEM=="net", ACTION=="add", \\
              ATTRS{address}=="52:54:00:aa:bb:cc", NAME:="lan0"
            SUBSYSTEM=="net", ACTION=="add", DRIVERS=="virtio_net", NAME="eth%n"
            SUBSYSTEM=="net", ATTR{address}!="00:00:00:00:00:00", RUN+="/bin/true"
            """
        let pins = UdevNetRules.pins(in: Self.bytes(text), path: "/etc/udev/rules.d/70-persistent-net.rules")
        #expect(pins == [
            NetworkPin(path: "/etc/udev/rules.d/70-persistent-net.rules", line: 3, field: "ATTR{address}", kind: .macAddress, interface: "eth0"),
            NetworkPin(path: "/etc/udev/rules.d/70-persistent-net.rules", line: 5, field: "ATTRS{address}", kind: .macAddress, interface: "lan0"),
        ])
    }
}
