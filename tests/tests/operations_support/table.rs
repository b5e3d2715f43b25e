// The table of operations: one case or more per operation. `operations.rs` includes it as it
// is, for the async client; `build.rs` rewrites it for the blocking client
// (`operations_blocking.rs`): `|d| async move {` becomes `move |d| {` and `.await` becomes
// `.send()`.

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| (*s).to_owned()).collect()
}

fn string_map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn filters(pairs: &[(&str, &[&str])]) -> Option<HashMap<String, Vec<String>>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), strings(v)))
            .collect(),
    )
}

/// A tar archive holding `files`.
fn tar_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_688_205_600);
        header.set_cksum();
        builder
            .append_data(&mut header, path, content.as_bytes())
            .expect("append to a tar in memory");
    }
    builder.into_inner().expect("finish a tar in memory")
}

// ------------------------------------------------------------------------------------------
// Values used by several cases.

const CID: &str = "4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2";
const IMAGE_ID: &str = "sha256:ec3f0931a6e6b6855d76b2d7b0be30e81860baccd891b2e243280bf1cd8ad710";
const EXEC_ID: &str = "b53ee82b53a40c7dca428523e34f741f3abc51d9f297a14ff874bf761b995126";
const NETWORK_ID: &str = "7d86d31b1478e7cca9ebed7e73aa0fdeec46c5ca29497431d3007d2d9e15ed99";

/// Registry credentials, sent as base64url-encoded JSON in `X-Registry-Auth`. The password's
/// `?` and `>` make the standard and URL-safe base64 alphabets differ.
fn auth() -> models::AuthConfig {
    models::AuthConfig {
        username: Some("hannibal".into()),
        password: Some("xx??>>~~??>>yy".into()),
        serveraddress: Some("https://index.docker.io/v1/".into()),
        ..Default::default()
    }
}

fn auth_json() -> Value {
    json!({"username": "hannibal", "password": "xx??>>~~??>>yy", "serveraddress": "https://index.docker.io/v1/"})
}
const TAR: &[&str] = &["application/x-tar"];
const BYTES: &[&str] = &["application/octet-stream"];

// ------------------------------------------------------------------------------------------
// Answers of the engine, shaped like the ones Docker 24 sends.

fn container_inspect_json() -> Value {
    json!({
        "Id": CID,
        "Created": "2023-07-01T10:00:00.123456789Z",
        "Path": "/docker-entrypoint.sh",
        "Args": ["nginx", "-g", "daemon off;"],
        "State": {
            "Status": "running", "Running": true, "Paused": false, "Restarting": false,
            "OOMKilled": false, "Dead": false, "Pid": 2114, "ExitCode": 0, "Error": "",
            "StartedAt": "2023-07-01T10:00:01.5Z", "FinishedAt": "0001-01-01T00:00:00Z",
            "Health": {
                "Status": "healthy", "FailingStreak": 0,
                "Log": [{"Start": "2023-07-01T10:00:31Z", "End": "2023-07-01T10:00:31.2Z", "ExitCode": 0, "Output": "ok"}]
            }
        },
        "Image": IMAGE_ID,
        "ResolvConfPath": format!("/var/lib/docker/containers/{CID}/resolv.conf"),
        "Name": "/web",
        "RestartCount": 0,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "docker-default",
        "ExecIDs": null,
        "HostConfig": {
            "Binds": null,
            "NetworkMode": "default",
            "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]},
            "RestartPolicy": {"Name": "", "MaximumRetryCount": 0},
            "LogConfig": {"Type": "json-file", "Config": {}},
            "Memory": 0,
            "NanoCpus": 0,
            "CgroupnsMode": "private",
            "Isolation": "",
            "MaskedPaths": ["/proc/asound", "/proc/acpi"],
            "ConsoleSize": [0, 0]
        },
        "GraphDriver": {"Name": "overlay2", "Data": {"MergedDir": "/var/lib/docker/overlay2/9f2a/merged"}},
        "SizeRw": 12288,
        "SizeRootFs": 142_000_000_000i64,
        "Mounts": [{
            "Type": "volume", "Name": "data", "Source": "/var/lib/docker/volumes/data/_data",
            "Destination": "/data", "Driver": "local", "Mode": "z", "RW": true, "Propagation": ""
        }],
        "Config": {
            "Hostname": "4fa6e0f0c678",
            "Domainname": "",
            "User": "",
            "ExposedPorts": {"80/tcp": {}},
            "Tty": false,
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.25.1"],
            "Cmd": ["nginx", "-g", "daemon off;"],
            "Image": "nginx:latest",
            "Volumes": {"/data": {}},
            "WorkingDir": "",
            "Entrypoint": ["/docker-entrypoint.sh"],
            "OnBuild": null,
            "Labels": {"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"},
            "StopSignal": "SIGQUIT"
        },
        "NetworkSettings": {
            "Bridge": "",
            "SandboxID": "d1e5f8c2a6b4",
            "HairpinMode": false,
            "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}], "443/tcp": null},
            "SecondaryIPAddresses": null,
            "Gateway": "172.17.0.1",
            "IPAddress": "172.17.0.2",
            "IPPrefixLen": 16,
            "MacAddress": "02:42:ac:11:00:02",
            "Networks": {
                "bridge": {
                    "IPAMConfig": null, "Links": null, "Aliases": null,
                    "NetworkID": NETWORK_ID, "EndpointID": "1c3a5b7d9e",
                    "Gateway": "172.17.0.1", "IPAddress": "172.17.0.2", "IPPrefixLen": 16,
                    "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
                    "MacAddress": "02:42:ac:11:00:02", "DriverOpts": null
                }
            }
        }
    })
}

fn container_summary_json() -> Value {
    json!({
        "Id": CID,
        "Names": ["/web"],
        "Image": "nginx:latest",
        "ImageID": IMAGE_ID,
        "Command": "/docker-entrypoint.sh nginx -g 'daemon off;'",
        "Created": 1_688_205_600,
        "Ports": [
            {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
            {"PrivatePort": 443, "Type": "tcp"}
        ],
        "SizeRw": 12288,
        "SizeRootFs": 0,
        "Labels": {"com.example.vendor": "Acme"},
        "State": "running",
        "Status": "Up 2 hours (healthy)",
        "HostConfig": {"NetworkMode": "default"},
        "NetworkSettings": {"Networks": {"bridge": {"NetworkID": NETWORK_ID, "IPAddress": "172.17.0.2", "IPPrefixLen": 16, "Aliases": null}}},
        "Mounts": []
    })
}

fn image_summary_json() -> Value {
    json!({
        "Id": IMAGE_ID,
        "ParentId": "",
        "RepoTags": ["busybox:latest"],
        "RepoDigests": ["busybox@sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74"],
        "Created": 1_684_527_568,
        "Size": 4_261_574,
        "SharedSize": -1,
        "VirtualSize": 4_261_574,
        "Labels": null,
        "Containers": -1
    })
}

fn image_inspect_json() -> Value {
    json!({
        "Id": IMAGE_ID,
        "RepoTags": ["busybox:latest"],
        "RepoDigests": ["busybox@sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74"],
        "Parent": "",
        "Comment": "",
        "Created": "2023-05-19T20:19:28.026383458Z",
        "Container": "a8e0d5b0c3f4",
        "ContainerConfig": {
            "Hostname": "a8e0d5b0c3f4", "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": ["/bin/sh", "-c", "#(nop) ", "CMD [\"sh\"]"], "Image": "sha256:1f6a2c9b", "Volumes": null,
            "WorkingDir": "", "Entrypoint": null, "OnBuild": null, "Labels": {}
        },
        "DockerVersion": "20.10.23",
        "Author": "",
        "Config": {
            "Hostname": "", "Domainname": "", "User": "", "AttachStdin": false, "Tty": false,
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": ["sh"], "Image": "sha256:1f6a2c9b", "Volumes": null, "WorkingDir": "",
            "Entrypoint": null, "OnBuild": null, "Labels": null, "ExposedPorts": {"8080/tcp": {}}
        },
        "Architecture": "amd64",
        "Os": "linux",
        "Size": 4_261_574,
        "VirtualSize": 4_261_574,
        "GraphDriver": {"Data": {"MergedDir": "/var/lib/docker/overlay2/5f3e/merged", "UpperDir": "/var/lib/docker/overlay2/5f3e/diff"}, "Name": "overlay2"},
        "RootFS": {"Type": "layers", "Layers": ["sha256:9547b4c33213e630a0ca602a989ecc094e042146ae8afa502e1e65af6473db03"]},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"}
    })
}

/// A plugin as the engine encodes it: `Interface.Types` holds strings
/// (`"docker.volumedriver/1.0"`), because the engine's `PluginInterfaceType` marshals itself as
/// one (api/types/plugin_interface_type.go), whatever the spec's schema says.
fn plugin_json() -> Value {
    json!({
        "Id": "5724e2c8652da337ab2eedd19fc6fc0ec908e4bd907c7421bf6a8dfc70c4c078",
        "Name": "vieux/sshfs:latest",
        "Enabled": true,
        "Settings": {"Mounts": [], "Env": ["DEBUG=0"], "Args": [], "Devices": []},
        "PluginReference": "docker.io/vieux/sshfs:latest",
        "Config": {
            "DockerVersion": "17.06.0-ce",
            "Description": "sshFS plugin for Docker",
            "Documentation": "https://docs.docker.com/engine/extend/plugins/",
            "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "sshfs.sock", "ProtocolScheme": ""},
            "Entrypoint": ["/docker-volume-sshfs"],
            "WorkDir": "",
            "User": {},
            "Network": {"Type": "host"},
            "Linux": {"Capabilities": ["CAP_SYS_ADMIN"], "AllowAllDevices": false, "Devices": [{"Name": "", "Description": "", "Settable": null, "Path": "/dev/fuse"}]},
            "PropagatedMount": "/mnt/volumes",
            "IpcHost": false,
            "PidHost": false,
            "Mounts": [{"Name": "state", "Description": "", "Settable": ["source"], "Source": "/var/lib/docker/plugins/", "Destination": "/mnt/state", "Type": "bind", "Options": ["rbind"]}],
            "Env": [{"Name": "DEBUG", "Description": "", "Settable": ["value"], "Value": "0"}],
            "Args": {"Name": "", "Description": "", "Settable": null, "Value": null},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:ce2b7a99c5db05cfe263bcd3640f2c1ce7c6f4619339633d44e65a8168ec3587"]}
        }
    })
}

fn plugin_privileges_json() -> Value {
    json!([
        {"Name": "network", "Description": "", "Value": ["host"]},
        {"Name": "mount", "Description": "", "Value": ["/var/lib/docker/plugins/"]},
        {"Name": "device", "Description": "", "Value": ["/dev/fuse"]},
        {"Name": "capabilities", "Description": "", "Value": ["CAP_SYS_ADMIN"]}
    ])
}

fn plugin_privileges() -> Vec<models::PluginPrivilege> {
    serde_json::from_value(plugin_privileges_json()).expect("privileges decode")
}

fn network_json() -> Value {
    json!({
        "Name": "bridge",
        "Id": NETWORK_ID,
        "Created": "2023-07-01T09:55:00.123456789Z",
        "Scope": "local",
        "Driver": "bridge",
        "EnableIPv6": false,
        "IPAM": {"Driver": "default", "Options": null, "Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]},
        "Internal": false,
        "Attachable": false,
        "Ingress": false,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": false,
        "Containers": {CID: {"Name": "web", "EndpointID": "1c3a5b7d9e", "MacAddress": "02:42:ac:11:00:02", "IPv4Address": "172.17.0.2/16", "IPv6Address": ""}},
        "Options": {"com.docker.network.bridge.default_bridge": "true", "com.docker.network.driver.mtu": "1500"},
        "Labels": {}
    })
}

fn node_json() -> Value {
    json!({
        "ID": "24ifsmvkjbyhk",
        "Version": {"Index": 8},
        "CreatedAt": "2016-06-07T20:31:11.853781916Z",
        "UpdatedAt": "2016-06-07T20:31:11.999868824Z",
        "Spec": {"Name": "my-node", "Role": "manager", "Availability": "active", "Labels": {"foo": "bar"}},
        "Description": {
            "Hostname": "bf3067039e47",
            "Platform": {"Architecture": "x86_64", "OS": "linux"},
            "Resources": {
                "NanoCPUs": 4_000_000_000i64,
                "MemoryBytes": 8_272_408_576i64,
                "GenericResources": [
                    {"DiscreteResourceSpec": {"Kind": "SSD", "Value": 3}},
                    {"NamedResourceSpec": {"Kind": "GPU", "Value": "UUID1"}}
                ]
            },
            "Engine": {"EngineVersion": "24.0.5", "Labels": {"foo": "bar"}, "Plugins": [{"Type": "Log", "Name": "awslogs"}, {"Type": "Network", "Name": "overlay"}]},
            "TLSInfo": {"TrustRoot": "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n", "CertIssuerSubject": "MBMxETAPBgNVBAMTCHN3YXJtLWNh", "CertIssuerPublicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"}
        },
        "Status": {"State": "ready", "Message": "", "Addr": "172.17.0.2"},
        "ManagerStatus": {"Leader": true, "Reachability": "reachable", "Addr": "10.0.0.46:2377"}
    })
}

fn config_json() -> Value {
    json!({
        "ID": "ktnbjxoalbkvbvedmg1urrz8h",
        "Version": {"Index": 11},
        "CreatedAt": "2016-11-05T01:20:17.327670065Z",
        "UpdatedAt": "2016-11-05T01:20:17.327670065Z",
        "Spec": {"Name": "server.conf", "Labels": {"env": "prod"}, "Data": "VEhJUyBJUyBOT1QgQSBSRUFMIENFUlRJRklDQVRFCg=="}
    })
}

fn secret_json() -> Value {
    json!({
        "ID": "blt1owaxmitz71s9v5zh81zun",
        "Version": {"Index": 85},
        "CreatedAt": "2017-07-20T13:55:28.678958722Z",
        "UpdatedAt": "2017-07-20T13:55:28.678958722Z",
        "Spec": {
            "Name": "mysql-passwd",
            "Labels": {"some.label": "some.value"},
            "Driver": {"Name": "secret-bucket", "Options": {"OptionA": "value for driver option A"}}
        }
    })
}

fn service_json() -> Value {
    json!({
        "ID": "9mnpnzenvg8p8tdbtq4wvbkcz",
        "Version": {"Index": 19},
        "CreatedAt": "2016-06-07T21:05:51.880065305Z",
        "UpdatedAt": "2016-06-07T21:07:29.962229872Z",
        "Spec": {
            "Name": "web",
            "Labels": {"app": "web"},
            "TaskTemplate": {
                "ContainerSpec": {"Image": "nginx:alpine", "Isolation": "default", "Init": false, "Healthcheck": {"Test": ["CMD", "true"], "Interval": 30_000_000_000i64}},
                "Resources": {"Limits": {"MemoryBytes": 104_857_600}, "Reservations": {}},
                "RestartPolicy": {"Condition": "on-failure", "Delay": 10_000_000_000i64, "MaxAttempts": 10},
                "Placement": {"Platforms": [{"Architecture": "amd64", "OS": "linux"}]},
                "ForceUpdate": 0,
                "Runtime": "container"
            },
            "Mode": {"Replicated": {"Replicas": 3}},
            "UpdateConfig": {"Parallelism": 2, "Delay": 1_000_000_000, "FailureAction": "pause", "Monitor": 15_000_000_000i64, "MaxFailureRatio": 0.15, "Order": "stop-first"},
            "RollbackConfig": {"Parallelism": 1, "FailureAction": "pause", "Order": "stop-first"},
            "EndpointSpec": {"Mode": "vip", "Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"}]}
        },
        "Endpoint": {
            "Spec": {"Mode": "vip", "Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"}]},
            "Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"}],
            "VirtualIPs": [{"NetworkID": "4qvuz4ko70xaltuqbt8956gd1", "Addr": "10.255.0.2/16"}]
        },
        "UpdateStatus": {"State": "rollback_completed", "StartedAt": "2016-06-07T21:06:00Z", "CompletedAt": "2016-06-07T21:07:29Z", "Message": "rollback completed"},
        "ServiceStatus": {"RunningTasks": 3, "DesiredTasks": 3, "CompletedTasks": 0}
    })
}

fn task_json() -> Value {
    json!({
        "ID": "0kzzo1i0y4jz6027t0k7aezc7",
        "Version": {"Index": 71},
        "CreatedAt": "2016-06-07T21:07:31.171892745Z",
        "UpdatedAt": "2016-06-07T21:07:31.376370513Z",
        "Spec": {
            "ContainerSpec": {"Image": "redis"},
            "Resources": {"Limits": {}, "Reservations": {}},
            "RestartPolicy": {"Condition": "any", "MaxAttempts": 0},
            "Placement": {}
        },
        "ServiceID": "9mnpnzenvg8p8tdbtq4wvbkcz",
        "Slot": 1,
        "NodeID": "60gvrl6tm78dmak4yl7srz94v",
        "Status": {
            "Timestamp": "2016-06-07T21:07:31.290032978Z",
            "State": "running",
            "Message": "started",
            "ContainerStatus": {"ContainerID": CID, "PID": 677, "ExitCode": 0},
            "PortStatus": {}
        },
        "DesiredState": "running",
        "NetworksAttachments": [{"Network": {"ID": "4qvuz4ko70xaltuqbt8956gd1"}, "Addresses": ["10.255.0.10/16"]}],
        "AssignedGenericResources": [{"DiscreteResourceSpec": {"Kind": "SSD", "Value": 3}}]
    })
}

fn volume_json() -> Value {
    json!({
        "Name": "tardis",
        "Driver": "local",
        "Mountpoint": "/var/lib/docker/volumes/tardis/_data",
        "Status": {"hello": "world"},
        "Labels": {"com.example.some-label": "some-value"},
        "Scope": "local",
        "CreatedAt": "2016-06-07T20:31:11.853781916Z",
        "Options": {"device": "tmpfs", "o": "size=100m,uid=1000", "type": "tmpfs"},
        "UsageData": null
    })
}

fn system_info_json() -> Value {
    json!({
        "ID": "7TRN:IPZB:QYBB:VPBQ:UWS4:CEN3:6BZ3:KEBN:QZX7:3FJ2:GZ2K:LSX5",
        "Containers": 14, "ContainersRunning": 3, "ContainersPaused": 1, "ContainersStopped": 10,
        "Images": 508,
        "Driver": "overlay2",
        "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]],
        "Plugins": {"Volume": ["local"], "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"], "Authorization": null, "Log": ["awslogs", "json-file", "local"]},
        "MemoryLimit": true, "SwapLimit": true, "KernelMemoryTCP": true, "CpuCfsPeriod": true, "CpuCfsQuota": true,
        "CPUShares": true, "CPUSet": true, "PidsLimit": true, "OomKillDisable": false,
        "IPv4Forwarding": true, "BridgeNfIptables": true, "BridgeNfIp6tables": true,
        "Debug": false, "NFd": 64, "NGoroutines": 174, "SystemTime": "2023-07-01T10:00:00.000000000Z",
        "LoggingDriver": "json-file", "CgroupDriver": "systemd", "CgroupVersion": "2",
        "NEventsListener": 0, "KernelVersion": "6.1.0-10-amd64", "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
        "OSVersion": "12", "OSType": "linux", "Architecture": "x86_64", "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {
            "AllowNondistributableArtifactsCIDRs": null, "AllowNondistributableArtifactsHostnames": null,
            "InsecureRegistryCIDRs": ["127.0.0.0/8"],
            "IndexConfigs": {"docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": true, "Official": true}},
            "Mirrors": null
        },
        "NCPU": 4, "MemTotal": 16_663_699_456i64,
        "GenericResources": null,
        "DockerRootDir": "/var/lib/docker", "HttpProxy": "", "HttpsProxy": "", "NoProxy": "",
        "Name": "build-host", "Labels": [], "ExperimentalBuild": false, "ServerVersion": "24.0.5",
        "Runtimes": {"io.containerd.runc.v2": {"path": "runc"}, "runc": {"path": "runc"}},
        "DefaultRuntime": "runc",
        "Swarm": {"NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": false, "Error": "", "RemoteManagers": null},
        "LiveRestoreEnabled": false, "Isolation": "", "InitBinary": "docker-init",
        "ContainerdCommit": {"ID": "3dce8eb055cbb6872793272b4f20ed16117344f8", "Expected": "3dce8eb055cbb6872793272b4f20ed16117344f8"},
        "RuncCommit": {"ID": "v1.1.7-0-g860f061", "Expected": "v1.1.7-0-g860f061"},
        "InitCommit": {"ID": "de40ad0", "Expected": "de40ad0"},
        "SecurityOptions": ["name=seccomp,profile=builtin", "name=cgroupns"],
        "Warnings": null
    })
}

fn system_version_json() -> Value {
    json!({
        "Platform": {"Name": "Docker Engine - Community"},
        "Components": [
            {"Name": "Engine", "Version": "24.0.5", "Details": {"ApiVersion": "1.43", "Arch": "amd64", "BuildTime": "2023-07-21T20:35:23.000000000+00:00", "Experimental": "false", "GitCommit": "a61e2b4", "GoVersion": "go1.20.6", "KernelVersion": "6.1.0-10-amd64", "MinAPIVersion": "1.12", "Os": "linux"}},
            {"Name": "containerd", "Version": "1.6.21", "Details": {"GitCommit": "3dce8eb055cbb6872793272b4f20ed16117344f8"}}
        ],
        "Version": "24.0.5",
        "ApiVersion": "1.43",
        "MinAPIVersion": "1.12",
        "GitCommit": "a61e2b4",
        "GoVersion": "go1.20.6",
        "Os": "linux",
        "Arch": "amd64",
        "KernelVersion": "6.1.0-10-amd64",
        "BuildTime": "2023-07-21T20:35:23.000000000+00:00"
    })
}

// ------------------------------------------------------------------------------------------
// The table.

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(system_cases());
    cases.extend(container_cases());
    cases.extend(image_cases());
    cases.extend(network_cases());
    cases.extend(swarm_cases());
    cases.extend(plugin_cases());
    cases.extend(volume_cases());
    cases
}

fn ping_response() -> MockResponse {
    MockResponse::bytes(200, "text/plain; charset=utf-8", "OK")
        .header("Api-Version", "1.43")
        .header("Builder-Version", "2")
        .header("Cache-Control", "no-cache, no-store, must-revalidate")
        .header("Docker-Experimental", "false")
        .header("Ostype", "linux")
        .header("Pragma", "no-cache")
        .header("Swarm", "inactive")
}

fn system_cases() -> Vec<Case> {
    vec![
        case("SystemPing", "GET", "/_ping")
            .respond(ping_response())
            .call(|d| async move {
                let ping = d.system_ping().await.map_err(fail)?;
                ensure_eq!(ping.body, "OK");
                ensure_eq!(ping.api_version.as_deref(), Some("1.43"));
                ensure_eq!(ping.builder_version.as_deref(), Some("2"));
                ensure_eq!(ping.cache_control.as_deref(), Some("no-cache, no-store, must-revalidate"));
                ensure_eq!(ping.docker_experimental.as_deref(), Some("false"));
                ensure_eq!(ping.pragma.as_deref(), Some("no-cache"));
                ensure_eq!(ping.swarm.as_deref(), Some("inactive"));
                Ok(())
            }),
        case("SystemPingHead", "HEAD", "/_ping")
            .respond(ping_response())
            .call(|d| async move {
                let ping = d.system_ping_head().await.map_err(fail)?;
                ensure_eq!(ping.body, "");
                ensure_eq!(ping.api_version.as_deref(), Some("1.43"));
                ensure_eq!(ping.swarm.as_deref(), Some("inactive"));
                Ok(())
            }),
        case("SystemAuth", "POST", "/auth")
            .json_body(auth_json())
            .respond(MockResponse::json(200, &json!({"Status": "Login Succeeded", "IdentityToken": "9cbaf023786cd7"})))
            .call(|d| async move {
                let answer = d.system_auth().auth_config(auth()).await.map_err(fail)?;
                let answer = answer.ok_or("no answer decoded")?;
                ensure_eq!(answer.status, "Login Succeeded");
                ensure_eq!(answer.identity_token.as_deref(), Some("9cbaf023786cd7"));
                Ok(())
            }),
        case("SystemAuth", "POST", "/auth")
            .note("no body, 204")
            .respond(MockResponse::no_content())
            .call(|d| async move {
                ensure_eq!(d.system_auth().await.map_err(fail)?, None);
                Ok(())
            }),
        case("SystemEvents", "GET", "/events")
            .q("since", "1688205600")
            .q("until", "1688209200.000000001")
            .q_json("filters", json!({"type": ["container", "network"], "event": ["start", "die"]}))
            .respond(MockResponse::ndjson(
                &[
                    json!({"status": "start", "id": CID, "from": "nginx:latest", "Type": "container", "Action": "start",
                           "Actor": {"ID": CID, "Attributes": {"image": "nginx:latest", "name": "web"}},
                           "scope": "local", "time": 1_688_205_601, "timeNano": 1_688_205_601_123_456_789i64}),
                    json!({"Type": "network", "Action": "connect", "Actor": {"ID": NETWORK_ID, "Attributes": {"container": CID, "name": "bridge", "type": "bridge"}},
                           "scope": "local", "time": 1_688_205_601, "timeNano": 1_688_205_601_100_000_000i64}),
                    json!({"Type": "hologram", "Action": "flicker", "Actor": {"ID": "x"}, "scope": "swarm", "time": 1_688_205_602}),
                ],
                23,
            ))
            .call(|d| async move {
                let options = SystemEventsOptions {
                    since: Some("1688205600".into()),
                    until: Some("1688209200.000000001".into()),
                    filters: filters(&[("type", &["container", "network"]), ("event", &["start", "die"])]),
                };
                let events = items(d.system_events().options(options).await.map_err(fail)?).await?;
                ensure_eq!(events.len(), 3);
                ensure_eq!(events[0].r#type, Some(models::EventMessageType::Container));
                ensure_eq!(events[0].action.as_deref(), Some("start"));
                let actor = events[0].actor.as_ref().ok_or("no actor")?;
                ensure_eq!(actor.id.as_deref(), Some(CID));
                ensure_eq!(actor.attributes.as_ref().and_then(|a| a.get("name")).map(String::as_str), Some("web"));
                ensure_eq!(events[0].scope, Some(models::EventMessageScope::Local));
                ensure_eq!(events[0].time_nano, Some(1_688_205_601_123_456_789));
                ensure_eq!(events[1].r#type, Some(models::EventMessageType::Network));
                ensure_eq!(events[2].r#type, Some(models::EventMessageType::Unknown("hologram".into())));
                ensure_eq!(events[2].scope, Some(models::EventMessageScope::Swarm));
                Ok(())
            }),
        case("SystemInfo", "GET", "/info")
            .respond(MockResponse::json(200, &system_info_json()))
            .call(|d| async move {
                let info = d.system_info().await.map_err(fail)?;
                ensure_eq!(info.ncpu, Some(4));
                ensure_eq!(info.mem_total, Some(16_663_699_456));
                ensure_eq!(info.cgroup_version, Some(models::SystemInfoCgroupVersion::T2));
                ensure_eq!(info.cgroup_driver, Some(models::SystemInfoCgroupDriver::Systemd));
                ensure_eq!(info.isolation, Some(models::SystemInfoIsolation::Empty));
                ensure_eq!(info.server_version.as_deref(), Some("24.0.5"));
                ensure_eq!(info.warnings, None);
                ensure_eq!(info.generic_resources, None);
                ensure_eq!(info.driver_status.as_ref().map(Vec::len), Some(2));
                let swarm = info.swarm.ok_or("no Swarm")?;
                ensure_eq!(swarm.local_node_state, Some(models::LocalNodeState::Inactive));
                let runtimes = info.runtimes.ok_or("no Runtimes")?;
                ensure_eq!(runtimes["runc"].path.as_deref(), Some("runc"));
                let registry = info.registry_config.ok_or("no RegistryConfig")?;
                ensure_eq!(registry.index_configs.as_ref().map(|c| c["docker.io"].secure), Some(Some(true)));
                Ok(())
            }),
        case("SystemVersion", "GET", "/version")
            .respond(MockResponse::json(200, &system_version_json()))
            .call(|d| async move {
                let version = d.system_version().await.map_err(fail)?;
                ensure_eq!(version.api_version.as_deref(), Some("1.43"));
                ensure_eq!(version.min_api_version.as_deref(), Some("1.12"));
                ensure_eq!(version.platform.map(|p| p.name), Some("Docker Engine - Community".to_owned()));
                let components = version.components.ok_or("no Components")?;
                ensure_eq!(components.len(), 2);
                ensure_eq!(components[0].name, "Engine");
                ensure_eq!(components[0].details.as_ref().map(|d| d["ApiVersion"].clone()), Some(json!("1.43")));
                Ok(())
            }),
        case("SystemDataUsage", "GET", "/system/df")
            .q("type", "container")
            .q("type", "image")
            .q("type", "build-cache")
            .raw_query("type=container&type=image&type=build-cache")
            .respond(MockResponse::json(200, &json!({
                "LayersSize": 1_092_588,
                "Images": [image_summary_json()],
                "Containers": [container_summary_json()],
                "Volumes": [{
                    "Name": "my-volume", "Driver": "local", "Mountpoint": "/var/lib/docker/volumes/my-volume/_data",
                    "Labels": null, "Scope": "local", "Options": null, "UsageData": {"Size": 10_920_104, "RefCount": 2}
                }],
                "BuildCache": [{
                    "ID": "hw53o5aio51xtltp5xjp8v7fx", "Parents": [], "Type": "regular",
                    "Description": "pulled from docker.io/library/debian@sha256:234cb88d3020898631af0ccbbcca9a66ae7306ecd30c9720690858c1b007d2a0",
                    "InUse": false, "Shared": true, "Size": 0, "CreatedAt": "2021-06-28T13:31:01.474619385Z",
                    "LastUsedAt": "2021-07-07T22:02:32.738075951Z", "UsageCount": 26
                }]
            })))
            .call(|d| async move {
                let options = SystemDataUsageOptions {
                    r#type: Some(vec![
                        models::SystemDataUsageTypeItem::Container,
                        models::SystemDataUsageTypeItem::Image,
                        models::SystemDataUsageTypeItem::BuildCache,
                    ]),
                };
                let usage = d.system_data_usage().options(options).await.map_err(fail)?;
                ensure_eq!(usage.layers_size, Some(1_092_588));
                let images = usage.images.ok_or("no Images")?;
                ensure_eq!(images[0].shared_size, -1);
                let volumes = usage.volumes.ok_or("no Volumes")?;
                ensure!(volumes[0].labels.is_empty());
                ensure_eq!(volumes[0].scope, models::VolumeScope::Local);
                ensure_eq!(volumes[0].usage_data.as_ref().map(|u| (u.size, u.ref_count)), Some((10_920_104, 2)));
                let cache = usage.build_cache.ok_or("no BuildCache")?;
                ensure_eq!(cache[0].r#type, Some(models::BuildCacheType::Regular));
                ensure_eq!(cache[0].usage_count, Some(26));
                ensure_eq!(usage.containers.map(|c| c.len()), Some(1));
                Ok(())
            }),
        // BuildKit's session manager hijacks the connection only for `Upgrade: h2c`; it answers
        // "protocol tcp not supported" to anything else (moby/buildkit session/manager.go).
        case("Session", "POST", "/session")
            .header("Connection", "Upgrade")
            .header("Upgrade", "h2c")
            .header("X-Docker-Expose-Session-Uuid", "session-1")
            .header("X-Docker-Expose-Session-Name", "builder")
            .respond(MockResponse::upgrade("h2c", b"PRI".to_vec()))
            .call(|d| async move {
                let options = SessionOptions {
                    x_docker_expose_session_name: Some("builder".to_owned()),
                    x_docker_expose_session_grpc_method: Some(strings(&["/moby.filesync.v1.FileSync/DiffCopy"])),
                    ..Default::default()
                };
                let mut connection = d.session("session-1").options(options).await.map_err(fail)?;
                connection.shutdown().await.map_err(|e| e.to_string())?;
                let mut received = Vec::new();
                connection.read_to_end(&mut received).await.map_err(|e| e.to_string())?;
                ensure_eq!(received, b"PRI".to_vec());
                Ok(())
            }),
    ]
}

fn container_cases() -> Vec<Case> {
    let archive = tar_of(&[("nginx.conf", "worker_processes 1;\n")]);
    let upload = tar_of(&[
        ("index.html", "<h1>hello</h1>\n"),
        ("style.css", "h1 { color: red }\n"),
    ]);
    let logs = multiplexed(&[
        (1, "2023-07-01T10:00:00.000000000Z started\n"),
        (2, "2023-07-01T10:00:01.000000000Z warning: x\n"),
    ]);
    let attach = multiplexed(&[(1, "hello\n"), (2, "oops\n")]);
    let path_stat = "eyJuYW1lIjoiaG9zdHMiLCJzaXplIjoxNzQsIm1vZGUiOjQyMCwibXRpbWUiOiIyMDIzLTA3LTAxVDEwOjAwOjAwWiIsImxpbmtUYXJnZXQiOiIifQ==";
    let stats = json!({
        "read": "2023-07-01T10:00:05.123456789Z", "preread": "2023-07-01T10:00:04.123456789Z",
        "name": "/web", "id": CID, "num_procs": 0,
        "pids_stats": {"current": 3, "limit": 18_446_744_073_709_551_615u64},
        "cpu_stats": {"cpu_usage": {"total_usage": 100_215_355, "usage_in_kernelmode": 30_000_000, "usage_in_usermode": 50_000_000},
                      "system_cpu_usage": 739_306_590_000_000i64, "online_cpus": 4, "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}},
        "memory_stats": {"usage": 6_537_216, "limit": 67_108_864, "stats": {"inactive_file": 4096}},
        "networks": {"eth0": {"rx_bytes": 5338, "rx_packets": 36, "tx_bytes": 648, "tx_packets": 8}}
    });

    vec![
        case("ContainerCreate", "POST", "/containers/create")
            .q("name", "web")
            .q("platform", "linux/amd64")
            .json_body(json!({
                "Image": "nginx:latest",
                "Cmd": ["nginx", "-g", "daemon off;"],
                "Env": ["NGINX_PORT=80", "EMPTY="],
                "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
                "Labels": {"com.example.vendor": "Acme"},
                "Tty": false,
                "StopTimeout": 30,
                "HostConfig": {
                    "PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}], "443/tcp": null},
                    "RestartPolicy": {"Name": "unless-stopped"},
                    "Binds": ["/srv/data:/data:ro"],
                    "Memory": 536_870_912,
                    "AutoRemove": false,
                    "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m"}}
                },
                "NetworkingConfig": {"EndpointsConfig": {"backend": {"Aliases": ["web"]}}}
            }))
            .respond(MockResponse::json(201, &json!({"Id": CID, "Warnings": []})))
            .call(|d| async move {
                let body = models::ContainerCreateBody {
                    image: Some("nginx:latest".into()),
                    cmd: Some(strings(&["nginx", "-g", "daemon off;"])),
                    env: Some(strings(&["NGINX_PORT=80", "EMPTY="])),
                    exposed_ports: Some(strings(&["80/tcp", "443/tcp"])),
                    labels: Some(string_map(&[("com.example.vendor", "Acme")])),
                    tty: Some(false),
                    stop_timeout: Some(30),
                    host_config: Some(models::HostConfig {
                        port_bindings: Some(HashMap::from([
                            (
                                "80/tcp".to_owned(),
                                Some(vec![models::PortBinding {
                                    host_ip: Some("127.0.0.1".into()),
                                    host_port: Some("8080".into()),
                                }]),
                            ),
                            ("443/tcp".to_owned(), None),
                        ])),
                        restart_policy: Some(models::RestartPolicy {
                            name: Some(models::RestartPolicyName::UnlessStopped),
                            maximum_retry_count: None,
                        }),
                        binds: Some(strings(&["/srv/data:/data:ro"])),
                        memory: Some(536_870_912),
                        auto_remove: Some(false),
                        log_config: Some(models::HostConfigLogConfig {
                            r#type: Some(models::HostConfigLogConfigType::JsonFile),
                            config: Some(string_map(&[("max-size", "10m")])),
                        }),
                        ..Default::default()
                    }),
                    networking_config: Some(models::NetworkingConfig {
                        endpoints_config: Some(HashMap::from([(
                            "backend".to_owned(),
                            models::EndpointSettings {
                                aliases: Some(strings(&["web"])),
                                ..Default::default()
                            },
                        )])),
                    }),
                    ..Default::default()
                };
                let options = ContainerCreateOptions {
                    name: Some("web".into()),
                    platform: Some("linux/amd64".into()),
                };
                let created = d.container_create(body).options(options).await.map_err(fail)?;
                ensure_eq!(created.id, CID);
                ensure!(created.warnings.is_empty());
                Ok(())
            }),
        case("ContainerCreate", "POST", "/containers/create")
            .note("minimal, Warnings null")
            .json_body(json!({"Image": "busybox"}))
            .respond(MockResponse::json(201, &json!({"Id": CID, "Warnings": null})))
            .call(|d| async move {
                let body = models::ContainerCreateBody {
                    image: Some("busybox".into()),
                    ..Default::default()
                };
                let created = d.container_create(body).await.map_err(fail)?;
                ensure_eq!(created.id, CID);
                ensure!(created.warnings.is_empty());
                Ok(())
            }),
        case("ContainerList", "GET", "/containers/json")
            .q("all", "true")
            .q("limit", "5")
            .q("size", "false")
            .q_json("filters", json!({"status": ["running", "paused"], "label": ["com.example.vendor=Acme"]}))
            .respond(MockResponse::json(200, &json!([container_summary_json()])))
            .call(|d| async move {
                let options = ContainerListOptions {
                    all: Some(true),
                    limit: Some(5),
                    size: Some(false),
                    filters: filters(&[("status", &["running", "paused"]), ("label", &["com.example.vendor=Acme"])]),
                };
                let list = d.container_list().options(options).await.map_err(fail)?;
                ensure_eq!(list.len(), 1);
                ensure_eq!(list[0].id.as_deref(), Some(CID));
                ensure_eq!(list[0].names, Some(strings(&["/web"])));
                let ports = list[0].ports.as_ref().ok_or("no Ports")?;
                ensure_eq!(ports[0].public_port, Some(8080));
                ensure_eq!(ports[0].r#type, models::PortType::Tcp);
                ensure_eq!(ports[1].ip, None);
                ensure_eq!(list[0].created, Some(1_688_205_600));
                Ok(())
            }),
        case("ContainerList", "GET", "/containers/json")
            .note("no options, empty list")
            .raw_query("")
            .respond(MockResponse::json(200, &json!([])))
            .call(|d| async move {
                ensure!(d.container_list().await.map_err(fail)?.is_empty());
                Ok(())
            }),
        case("ContainerPrune", "POST", "/containers/prune")
            .q_json("filters", json!({"until": ["10m"], "label!": ["keep"]}))
            .respond(MockResponse::json(200, &json!({"ContainersDeleted": [CID], "SpaceReclaimed": 5_368_709_120i64})))
            .call(|d| async move {
                let options = ContainerPruneOptions {
                    filters: filters(&[("until", &["10m"]), ("label!", &["keep"])]),
                };
                let pruned = d.container_prune().options(options).await.map_err(fail)?;
                ensure_eq!(pruned.containers_deleted, Some(strings(&[CID])));
                ensure_eq!(pruned.space_reclaimed, Some(5_368_709_120));
                Ok(())
            }),
        case("ContainerDelete", "DELETE", "/containers/..%2Fx")
            .q("v", "true")
            .q("force", "true")
            .q("link", "false")
            .raw_query("v=true&force=true&link=false")
            .respond(MockResponse::no_content())
            .call(|d| async move {
                let options = ContainerDeleteOptions {
                    v: Some(true),
                    force: Some(true),
                    link: Some(false),
                };
                d.container_delete("../x").options(options).await.map_err(fail)
            }),
        case("ContainerArchive", "GET", "/containers/web/archive")
            .q("path", "/etc/nginx/nginx.conf")
            .raw_query("path=%2Fetc%2Fnginx%2Fnginx.conf")
            .respond(
                MockResponse::chunked(200, "application/x-tar", &archive, 100)
                    .header("X-Docker-Container-Path-Stat", path_stat),
            )
            .call({
                let archive = archive.clone();
                |d| async move {
                    let stream = d.container_archive("web", "/etc/nginx/nginx.conf").await.map_err(fail)?;
                    ensure_eq!(stream.collect_bytes().await.map_err(fail)?, Bytes::from(archive));
                    Ok(())
                }
            }),
        case("PutContainerArchive", "PUT", "/containers/web/archive")
            .q("path", "/usr/share/nginx/html")
            .q("noOverwriteDirNonDir", "true")
            .q("copyUIDGID", "1")
            // The spec accepts both.
            .bytes_body(&["application/x-tar", "application/octet-stream"], upload.clone())
            .call(move |d| async move {
                // A streamed body: sent with chunked transfer encoding.
                let chunks: Vec<Result<Bytes, std::io::Error>> =
                    upload.chunks(700).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
                let body = Body::from_stream(futures::stream::iter(chunks));
                let options = PutContainerArchiveOptions {
                    no_overwrite_dir_non_dir: Some("true".into()),
                    copy_uidgid: Some("1".into()),
                };
                d.put_container_archive("web", "/usr/share/nginx/html", body).options(options)
                    .await
                    .map_err(fail)
            }),
        case("ContainerArchiveInfo", "HEAD", "/containers/web/archive")
            .q("path", "/etc/hosts")
            .respond(MockResponse::status(200).header("X-Docker-Container-Path-Stat", path_stat))
            .call(move |d| async move {
                let info = d.container_archive_info("web", "/etc/hosts").await.map_err(fail)?;
                ensure_eq!(info.x_docker_container_path_stat.as_deref(), Some(path_stat));
                Ok(())
            }),
        case("ContainerAttach", "POST", "/containers/web/attach")
            .q("detachKeys", "ctrl-p,ctrl-q")
            .q("logs", "true")
            .q("stream", "true")
            .q("stdin", "true")
            .q("stdout", "true")
            .q("stderr", "true")
            .header("Connection", "Upgrade")
            .header("Upgrade", "tcp")
            .upgraded_input(b"ls /\nexit\n")
            .respond(
                MockResponse::upgrade("tcp", attach.clone())
                    .header("Content-Type", "application/vnd.docker.multiplexed-stream"),
            )
            .call(|d| async move {
                let options = ContainerAttachOptions {
                    detach_keys: Some("ctrl-p,ctrl-q".into()),
                    logs: Some(true),
                    stream: Some(true),
                    stdin: Some(true),
                    stdout: Some(true),
                    stderr: Some(true),
                };
                let mut attached = d.container_attach("web").options(options).await.map_err(fail)?;
                attached.input.write_all(b"ls /\nexit\n").await.map_err(|e| e.to_string())?;
                attached.input.shutdown().await.map_err(|e| e.to_string())?;
                ensure!(attached.output.is_multiplexed());
                let pieces = output(attached.output).await?;
                ensure_eq!(pieces, vec![("stdout", "hello\n".to_owned()), ("stderr", "oops\n".to_owned())]);
                Ok(())
            }),
        case("ContainerAttach", "POST", "/containers/web/attach")
            .note("logs only, answered without an upgrade")
            .q("logs", "true")
            .q("stream", "false")
            .q("stdout", "true")
            .header("Connection", "Upgrade")
            .header("Upgrade", "tcp")
            .respond(MockResponse::chunked(200, "application/vnd.docker.multiplexed-stream", &attach, 3))
            .call(|d| async move {
                let options = ContainerAttachOptions {
                    logs: Some(true),
                    stream: Some(false),
                    stdout: Some(true),
                    ..Default::default()
                };
                let mut attached = d.container_attach("web").options(options).await.map_err(fail)?;
                ensure!(attached.input.write_all(b"x").await.is_err());
                let (stdout, stderr) = attached.output.collect_output().await.map_err(fail)?;
                ensure_eq!((stdout, stderr), (b"hello\n".to_vec(), b"oops\n".to_vec()));
                Ok(())
            }),
        case("ContainerAttachWebsocket", "GET", "/containers/web/attach/ws")
            .q("logs", "false")
            .q("stream", "true")
            .q("stdin", "true")
            .q("stdout", "true")
            .q("stderr", "true")
            .q("detachKeys", "ctrl-c")
            .header("Connection", "Upgrade")
            .header("Upgrade", "websocket")
            .header("Sec-WebSocket-Version", "13")
            .upgraded_input(b"\x81\x83\x00\x00\x00\x00ls\n")
            .respond(
                MockResponse::upgrade("websocket", b"\x81\x06hello\n".to_vec())
                    .header("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            )
            .call(|d| async move {
                let options = ContainerAttachWebsocketOptions {
                    detach_keys: Some("ctrl-c".into()),
                    logs: Some(false),
                    stream: Some(true),
                    stdin: Some(true),
                    stdout: Some(true),
                    stderr: Some(true),
                };
                let mut socket = d.container_attach_websocket("web").options(options).await.map_err(fail)?;
                socket.write_all(b"\x81\x83\x00\x00\x00\x00ls\n").await.map_err(|e| e.to_string())?;
                socket.shutdown().await.map_err(|e| e.to_string())?;
                let mut received = Vec::new();
                socket.read_to_end(&mut received).await.map_err(|e| e.to_string())?;
                ensure_eq!(received, b"\x81\x06hello\n".to_vec());
                Ok(())
            }),
        case("ContainerChanges", "GET", format!("/containers/{CID}/changes"))
            .respond(MockResponse::json(200, &json!([
                {"Path": "/dev", "Kind": 0},
                {"Path": "/dev/kmsg", "Kind": 1},
                {"Path": "/tmp/old", "Kind": 2}
            ])))
            .call(|d| async move {
                let changes = d.container_changes(CID).await.map_err(fail)?;
                let kinds: Vec<(&str, u8)> = changes.iter().map(|c| (c.path.as_str(), c.kind)).collect();
                ensure_eq!(kinds, vec![("/dev", 0), ("/dev/kmsg", 1), ("/tmp/old", 2)]);
                Ok(())
            }),
        case("ContainerExport", "GET", "/containers/web/export")
            .respond(MockResponse::chunked(200, "application/octet-stream", &archive, 512))
            .call({
                let archive = archive.clone();
                |d| async move {
                    let stream = d.container_export("web").await.map_err(fail)?;
                    ensure_eq!(stream.collect_bytes().await.map_err(fail)?, Bytes::from(archive));
                    Ok(())
                }
            }),
        case("ContainerInspect", "GET", "/containers/web/json")
            .q("size", "true")
            .respond(MockResponse::json(200, &container_inspect_json()))
            .call(|d| async move {
                let options = ContainerInspectOptions { size: Some(true) };
                let c = d.container_inspect("web").options(options).await.map_err(fail)?;
                ensure_eq!(c.id.as_deref(), Some(CID));
                ensure_eq!(c.name.as_deref(), Some("/web"));
                ensure_eq!(c.size_root_fs, Some(142_000_000_000));
                ensure_eq!(c.exec_i_ds, None);
                let state = c.state.ok_or("no State")?;
                ensure_eq!(state.status, Some(models::ContainerStateStatus::Running));
                ensure_eq!(state.pid, Some(2114));
                ensure_eq!(state.health.and_then(|h| h.status), Some(models::HealthStatus::Healthy));
                let config = c.config.ok_or("no Config")?;
                ensure_eq!(config.exposed_ports, Some(strings(&["80/tcp"])));
                ensure_eq!(config.volumes, Some(strings(&["/data"])));
                ensure_eq!(config.on_build, None);
                let host = c.host_config.ok_or("no HostConfig")?;
                ensure_eq!(host.restart_policy.and_then(|p| p.name), Some(models::RestartPolicyName::Empty));
                ensure_eq!(host.isolation, Some(models::HostConfigIsolation::Empty));
                ensure_eq!(host.cgroupns_mode, Some(models::HostConfigCgroupnsMode::Private));
                ensure_eq!(host.log_config.and_then(|l| l.r#type), Some(models::HostConfigLogConfigType::JsonFile));
                let network = c.network_settings.ok_or("no NetworkSettings")?;
                let ports = network.ports.ok_or("no Ports")?;
                ensure_eq!(ports.get("443/tcp"), Some(&None));
                ensure_eq!(ports["80/tcp"].as_ref().map(Vec::len), Some(2));
                let bridge = &network.networks.ok_or("no Networks")?["bridge"];
                ensure_eq!(bridge.ip_address.as_deref(), Some("172.17.0.2"));
                ensure_eq!(bridge.ipam_config, None);
                let mounts = c.mounts.ok_or("no Mounts")?;
                ensure_eq!(mounts[0].r#type, Some(models::MountType::Volume));
                ensure_eq!(c.graph_driver.map(|g| g.name), Some("overlay2".to_owned()));
                Ok(())
            }),
        case("ContainerKill", "POST", "/containers/web/kill")
            .q("signal", "SIGHUP")
            .respond(MockResponse::no_content())
            .call(|d| async move {
                let options = ContainerKillOptions { signal: Some("SIGHUP".into()) };
                d.container_kill("web").options(options).await.map_err(fail)
            }),
        case("ContainerLogs", "GET", "/containers/web/logs")
            .q("follow", "false")
            .q("stdout", "true")
            .q("stderr", "true")
            .q("since", "1688205600")
            .q("until", "1688209200")
            .q("timestamps", "true")
            .q("tail", "100")
            .respond(MockResponse::chunked(200, "application/vnd.docker.multiplexed-stream", &logs, 10))
            .call(
                |d| async move {
                    let options = ContainerLogsOptions {
                        follow: Some(false),
                        stdout: Some(true),
                        stderr: Some(true),
                        since: Some(1_688_205_600),
                        until: Some(1_688_209_200),
                        timestamps: Some(true),
                        tail: Some("100".into()),
                    };
                    let stream = d.container_logs("web").options(options).await.map_err(fail)?;
                    ensure_eq!(
                        output(stream).await?,
                        vec![
                            ("stdout", "2023-07-01T10:00:00.000000000Z started\n".to_owned()),
                            ("stderr", "2023-07-01T10:00:01.000000000Z warning: x\n".to_owned()),
                        ]
                    );
                    Ok(())
                },
            ),
        case("ContainerPause", "POST", "/containers/web/pause")
            .respond(MockResponse::no_content())
            .call(|d| async move { d.container_pause("web").await.map_err(fail) }),
        case("ContainerRename", "POST", "/containers/web/rename")
            .q("name", "web old")
            .raw_query("name=web+old")
            .respond(MockResponse::no_content())
            .call(|d| async move { d.container_rename("web", "web old").await.map_err(fail) }),
        case("ContainerResize", "POST", "/containers/web/resize")
            .q("h", "40")
            .q("w", "120")
            .call(|d| async move { d.container_resize("web", 40, 120).await.map_err(fail) }),
        case("ContainerRestart", "POST", "/containers/web/restart")
            .q("signal", "SIGTERM")
            .q("t", "10")
            .respond(MockResponse::no_content())
            .call(|d| async move {
                let options = ContainerRestartOptions {
                    signal: Some("SIGTERM".into()),
                    t: Some(10),
                };
                d.container_restart("web").options(options).await.map_err(fail)
            }),
        case("ContainerStart", "POST", "/containers/web/start")
            .q("detachKeys", "ctrl-x,x")
            .respond(MockResponse::no_content())
            .call(|d| async move {
                let options = ContainerStartOptions {
                    detach_keys: Some("ctrl-x,x".into()),
                };
                ensure_eq!(d.container_start("web").options(options).await.map_err(fail)?, Outcome::Done(()));
                Ok(())
            }),
        case("ContainerStart", "POST", "/containers/web/start")
            .note("already started: 304")
            .respond(MockResponse::status(304))
            .call(|d| async move {
                ensure_eq!(d.container_start("web").await.map_err(fail)?, Outcome::NotModified);
                Ok(())
            }),
        case("ContainerStats", "GET", "/containers/web/stats")
            .q("stream", "false")
            .q("one-shot", "true")
            .respond(MockResponse::json(200, &stats))
            .call({
                let stats = stats.clone();
                |d| async move {
                    let options = ContainerStatsOptions {
                        stream: Some(false),
                        one_shot: Some(true),
                    };
                    let samples = items(d.container_stats("web").options(options).await.map_err(fail)?).await?;
                    ensure_eq!(samples.len(), 1);
                    let sample = serde_json::to_value(&samples[0]).map_err(|e| e.to_string())?;
                    ensure_eq!(sample, stats);
                    Ok(())
                }
            }),
        case("ContainerStats", "GET", "/containers/web/stats")
            .note("a stream of samples")
            .respond(MockResponse::ndjson(&[stats.clone(), stats.clone(), stats], 300))
            .call(|d| async move {
                let samples = items(d.container_stats("web").await.map_err(fail)?).await?;
                ensure_eq!(samples.len(), 3);
                let sample = serde_json::to_value(&samples[2]).map_err(|e| e.to_string())?;
                ensure_eq!(sample["memory_stats"]["usage"], json!(6_537_216));
                Ok(())
            }),
        case("ContainerStop", "POST", "/containers/web/stop")
            .q("signal", "SIGINT")
            .q("t", "5")
            .respond(MockResponse::no_content())
            .call(|d| async move {
                let options = ContainerStopOptions {
                    signal: Some("SIGINT".into()),
                    t: Some(5),
                };
                ensure_eq!(d.container_stop("web").options(options).await.map_err(fail)?, Outcome::Done(()));
                Ok(())
            }),
        case("ContainerStop", "POST", "/containers/web/stop")
            .note("already stopped: 304")
            .respond(MockResponse::status(304))
            .call(|d| async move {
                ensure_eq!(d.container_stop("web").await.map_err(fail)?, Outcome::NotModified);
                Ok(())
            }),
        case("ContainerTop", "GET", "/containers/web/top")
            .q("ps_args", "aux")
            .respond(MockResponse::json(200, &json!({
                "Titles": ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
                "Processes": [
                    ["root", "13642", "882", "0", "17:03", "pts/0", "00:00:00", "/bin/bash"],
                    ["root", "13735", "13642", "0", "17:06", "pts/0", "00:00:00", "sleep 10"]
                ]
            })))
            .call(|d| async move {
                let options = ContainerTopOptions { ps_args: Some("aux".into()) };
                let top = d.container_top("web").options(options).await.map_err(fail)?;
                ensure_eq!(top.titles.map(|t| t.len()), Some(8));
                let processes = top.processes.ok_or("no Processes")?;
                ensure_eq!(processes[1][7], "sleep 10");
                Ok(())
            }),
        case("ContainerUnpause", "POST", "/containers/web/unpause")
            .respond(MockResponse::no_content())
            .call(|d| async move { d.container_unpause("web").await.map_err(fail) }),
        case("ContainerUpdate", "POST", "/containers/web/update")
            .json_body(json!({
                "Memory": 314_572_800,
                "MemorySwap": -1,
                "CpuShares": 512,
                "PidsLimit": 100,
                "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 4}
            }))
            .respond(MockResponse::json(200, &json!({"Warnings": ["Your kernel does not support swap limit capabilities"]})))
            .call(|d| async move {
                let update = models::ContainerUpdateBody {
                    memory: Some(314_572_800),
                    memory_swap: Some(-1),
                    cpu_shares: Some(512),
                    pids_limit: Some(100),
                    restart_policy: Some(models::RestartPolicy {
                        name: Some(models::RestartPolicyName::OnFailure),
                        maximum_retry_count: Some(4),
                    }),
                    ..Default::default()
                };
                let answer = d.container_update("web", update).await.map_err(fail)?;
                ensure_eq!(answer.warnings.map(|w| w.len()), Some(1));
                Ok(())
            }),
        case("ContainerWait", "POST", "/containers/web/wait")
            .q("condition", "next-exit")
            .respond(MockResponse::json(200, &json!({"StatusCode": 137, "Error": null})))
            .call(|d| async move {
                let options = ContainerWaitOptions {
                    condition: Some(models::ContainerWaitCondition::NextExit),
                };
                let exit = d.container_wait("web").options(options).await.map_err(fail)?;
                ensure_eq!(exit.status_code, 137);
                ensure_eq!(exit.error, None);
                Ok(())
            }),
        case("ContainerExec", "POST", format!("/containers/{CID}/exec"))
            .json_body(json!({
                "AttachStdin": false, "AttachStdout": true, "AttachStderr": true,
                "ConsoleSize": [24, 80], "DetachKeys": "ctrl-p,ctrl-q", "Tty": false,
                "Env": ["FOO=bar baz"], "Cmd": ["date", "+%s"], "Privileged": false,
                "User": "nobody", "WorkingDir": "/tmp"
            }))
            .respond(MockResponse::json(201, &json!({"Id": EXEC_ID})))
            .call(|d| async move {
                let config = models::ExecConfig {
                    attach_stdin: Some(false),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    console_size: Some(vec![24, 80]),
                    detach_keys: Some("ctrl-p,ctrl-q".into()),
                    tty: Some(false),
                    env: Some(strings(&["FOO=bar baz"])),
                    cmd: Some(strings(&["date", "+%s"])),
                    privileged: Some(false),
                    user: Some("nobody".into()),
                    working_dir: Some("/tmp".into()),
                };
                ensure_eq!(d.container_exec(CID, config).await.map_err(fail)?.id, EXEC_ID);
                Ok(())
            }),
        case("ExecInspect", "GET", format!("/exec/{EXEC_ID}/json"))
            .respond(MockResponse::json(200, &json!({
                "CanRemove": false, "ContainerID": CID, "DetachKeys": "", "ExitCode": 2, "ID": EXEC_ID,
                "OpenStderr": true, "OpenStdin": true, "OpenStdout": true,
                "ProcessConfig": {"arguments": ["-c", "exit 2"], "entrypoint": "sh", "privileged": false, "tty": true, "user": "1000"},
                "Running": false, "Pid": 42000
            })))
            .call(|d| async move {
                let exec = d.exec_inspect(EXEC_ID).await.map_err(fail)?;
                ensure_eq!(exec.exit_code, Some(2));
                ensure_eq!(exec.running, Some(false));
                ensure_eq!(exec.container_id.as_deref(), Some(CID));
                let process = exec.process_config.ok_or("no ProcessConfig")?;
                ensure_eq!(process.entrypoint.as_deref(), Some("sh"));
                ensure_eq!(process.arguments, Some(strings(&["-c", "exit 2"])));
                Ok(())
            }),
        case("ExecResize", "POST", format!("/exec/{EXEC_ID}/resize"))
            .q("h", "24")
            .q("w", "80")
            .respond(MockResponse::status(201))
            .call(|d| async move { d.exec_resize(EXEC_ID, 24, 80).await.map_err(fail) }),
        case("ExecStart", "POST", format!("/exec/{EXEC_ID}/start"))
            .header("Connection", "Upgrade")
            .header("Upgrade", "tcp")
            .json_body(json!({"Detach": false, "Tty": true, "ConsoleSize": [24, 80]}))
            .upgraded_input(b"date\r")
            .respond(
                MockResponse::upgrade("tcp", b"Sat Jul  1 10:00:00 UTC 2023\r\n".to_vec())
                    .header("Content-Type", "application/vnd.docker.raw-stream"),
            )
            .call(|d| async move {
                let config = models::ExecStartConfig {
                    detach: Some(false),
                    tty: Some(true),
                    console_size: Some(vec![24, 80]),
                };
                let mut exec = d.exec_start(EXEC_ID).exec_start_config(config).await.map_err(fail)?;
                exec.input.write_all(b"date\r").await.map_err(|e| e.to_string())?;
                exec.input.shutdown().await.map_err(|e| e.to_string())?;
                ensure!(!exec.output.is_multiplexed());
                let pieces = output(exec.output).await?;
                ensure_eq!(pieces, vec![("console", "Sat Jul  1 10:00:00 UTC 2023\r\n".to_owned())]);
                Ok(())
            }),
        case("ExecStart", "POST", format!("/exec/{EXEC_ID}/start"))
            .note("no body")
            .header("Connection", "Upgrade")
            .header("Upgrade", "tcp")
            .upgraded_input(b"")
            .respond(
                MockResponse::upgrade("tcp", attach_frames())
                    .header("Content-Type", "application/vnd.docker.multiplexed-stream"),
            )
            .call(|d| async move {
                let exec = d.exec_start(EXEC_ID).await.map_err(fail)?;
                drop(exec.input);
                let (stdout, stderr) = exec.output.collect_output().await.map_err(fail)?;
                ensure_eq!((stdout, stderr), (b"out\n".to_vec(), b"err\n".to_vec()));
                Ok(())
            }),
    ]
}

fn attach_frames() -> Vec<u8> {
    multiplexed(&[(1, "out\n"), (2, "err\n")])
}

fn image_cases() -> Vec<Case> {
    let context = tar_of(&[
        (
            "Dockerfile",
            "FROM busybox\nARG VERSION\nRUN echo $VERSION > /version\n",
        ),
        ("build/Dockerfile.prod", "FROM busybox AS release\n"),
    ]);
    let images_tar = tar_of(&[("manifest.json", "[]"), ("repositories", "{}")]);
    let built = "sha256:8d4e3c2f1b0a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d";
    let digest = "sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74";

    vec![
        case("ImageBuild", "POST", "/build")
            .q("dockerfile", "build/Dockerfile.prod")
            .q("t", "example/app:1.0")
            .q("extrahosts", "db:10.0.0.5")
            .q("q", "false")
            .q("nocache", "true")
            .q_json("cachefrom", json!(["example/app:cache", "busybox:latest"]))
            .q("pull", "1")
            .q("rm", "true")
            .q("forcerm", "false")
            .q("memory", "268435456")
            .q("memswap", "-1")
            .q("cpushares", "512")
            .q("cpusetcpus", "0,1")
            .q("cpuperiod", "100000")
            .q("cpuquota", "50000")
            .q_json("buildargs", json!({"HTTP_PROXY": "http://proxy.example.com:3128", "VERSION": "1.0 beta&more"}))
            .q("shmsize", "67108864")
            .q("squash", "false")
            .q_json("labels", json!({"org.opencontainers.image.title": "app", "team": "infra & ops"}))
            .q("networkmode", "host")
            .q("platform", "linux/arm64/v8")
            .q("target", "release")
            .q("outputs", "type=local,dest=out")
            .q("version", "1")
            .header_json(
                "X-Registry-Config",
                json!({
                    "registry.example.com": {"username": "jane", "password": "s3cr3t"},
                    "https://index.docker.io/v1/": auth_json()
                }),
            )
            .bytes_body(TAR, context.clone())
            .respond(MockResponse::ndjson(
                &[
                    json!({"stream": "Step 1/3 : FROM busybox AS release\n"}),
                    json!({"stream": " ---> a416a98b71e2\n"}),
                    json!({"aux": {"ID": built}}),
                    json!({"stream": format!("Successfully built {}\n", &built[7..19])}),
                    json!({"stream": "Successfully tagged example/app:1.0\n"}),
                ],
                17,
            ))
            .call(move |d| async move {
                let options = ImageBuildOptions {
                    dockerfile: Some("build/Dockerfile.prod".into()),
                    t: Some("example/app:1.0".into()),
                    extrahosts: Some("db:10.0.0.5".into()),
                    remote: None,
                    q: Some(false),
                    nocache: Some(true),
                    cachefrom: Some(strings(&["example/app:cache", "busybox:latest"])),
                    pull: Some("1".into()),
                    rm: Some(true),
                    forcerm: Some(false),
                    memory: Some(268_435_456),
                    memswap: Some(-1),
                    cpushares: Some(512),
                    cpusetcpus: Some("0,1".into()),
                    cpuperiod: Some(100_000),
                    cpuquota: Some(50_000),
                    buildargs: Some(string_map(&[("HTTP_PROXY", "http://proxy.example.com:3128"), ("VERSION", "1.0 beta&more")])),
                    shmsize: Some(67_108_864),
                    squash: Some(false),
                    labels: Some(string_map(&[("org.opencontainers.image.title", "app"), ("team", "infra & ops")])),
                    networkmode: Some("host".into()),
                    x_registry_config: Some(HashMap::from([
                        (
                            "registry.example.com".to_owned(),
                            models::AuthConfig {
                                username: Some("jane".into()),
                                password: Some("s3cr3t".into()),
                                ..Default::default()
                            },
                        ),
                        ("https://index.docker.io/v1/".to_owned(), auth()),
                    ])),
                    platform: Some("linux/arm64/v8".into()),
                    target: Some("release".into()),
                    outputs: Some("type=local,dest=out".into()),
                    version: Some(models::ImageBuildVersion::T1),
                };
                let messages = items(d.image_build().input_stream(context).options(options).await.map_err(fail)?).await?;
                ensure_eq!(messages.len(), 5);
                ensure_eq!(messages[0].stream.as_deref(), Some("Step 1/3 : FROM busybox AS release\n"));
                ensure_eq!(messages[2].aux.as_ref().and_then(|a| a.id.as_deref()), Some(built));
                ensure_eq!(messages[4].stream.as_deref(), Some("Successfully tagged example/app:1.0\n"));
                Ok(())
            }),
        case("ImageBuild", "POST", "/build")
            .note("remote context, no body")
            .q("remote", "https://github.com/docker/example.git#main:app")
            .respond(MockResponse::ndjson(&[json!({"stream": "done\n"})], 64))
            .call(|d| async move {
                let options = ImageBuildOptions {
                    remote: Some("https://github.com/docker/example.git#main:app".into()),
                    ..Default::default()
                };
                let messages = items(d.image_build().options(options).await.map_err(fail)?).await?;
                ensure_eq!(messages.len(), 1);
                Ok(())
            }),
        case("BuildPrune", "POST", "/build/prune")
            .q("keep-storage", "1000000000")
            .q("all", "true")
            .q_json("filters", json!({"until": ["24h"], "type": ["regular"]}))
            .respond(MockResponse::json(200, &json!({"CachesDeleted": ["ndlpt0hhvkqcdfkputsk4cq9c"], "SpaceReclaimed": 5_368_709_120i64})))
            .call(|d| async move {
                let options = BuildPruneOptions {
                    keep_storage: Some(1_000_000_000),
                    all: Some(true),
                    filters: filters(&[("until", &["24h"]), ("type", &["regular"])]),
                };
                let pruned = d.build_prune().options(options).await.map_err(fail)?;
                ensure_eq!(pruned.caches_deleted, Some(strings(&["ndlpt0hhvkqcdfkputsk4cq9c"])));
                ensure_eq!(pruned.space_reclaimed, Some(5_368_709_120));
                Ok(())
            }),
        case("ImageCommit", "POST", "/commit")
            .q("container", "web")
            .q("repo", "example/app")
            .q("tag", "snapshot")
            .q("comment", "fix: a & b = c")
            .q("author", "Jane Doe <jane@example.com>")
            .q("pause", "false")
            .q("changes", "CMD [\"nginx\"]\nEXPOSE 80")
            .json_body(json!({
                "Cmd": ["nginx", "-g", "daemon off;"],
                "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
                "Env": ["DEBUG=1"],
                "Labels": {"maintainer": "ops@example.com"},
                "Volumes": {"/data": {}},
                "StopTimeout": 20
            }))
            .respond(MockResponse::json(201, &json!({"Id": IMAGE_ID})))
            .call(|d| async move {
                let config = models::ContainerConfig {
                    cmd: Some(strings(&["nginx", "-g", "daemon off;"])),
                    exposed_ports: Some(strings(&["80/tcp", "443/tcp"])),
                    env: Some(strings(&["DEBUG=1"])),
                    labels: Some(string_map(&[("maintainer", "ops@example.com")])),
                    volumes: Some(strings(&["/data"])),
                    stop_timeout: Some(20),
                    ..Default::default()
                };
                let options = ImageCommitOptions {
                    container: Some("web".into()),
                    repo: Some("example/app".into()),
                    tag: Some("snapshot".into()),
                    comment: Some("fix: a & b = c".into()),
                    author: Some("Jane Doe <jane@example.com>".into()),
                    pause: Some(false),
                    changes: Some("CMD [\"nginx\"]\nEXPOSE 80".into()),
                };
                ensure_eq!(d.image_commit().container_config(config).options(options).await.map_err(fail)?.id, IMAGE_ID);
                Ok(())
            }),
        case("ImageCreate", "POST", "/images/create")
            .q("fromImage", "library/busybox")
            .q("tag", "latest")
            .q("platform", "linux/amd64")
            .header_json("X-Registry-Auth", auth_json())
            .respond(MockResponse::ndjson(
                &[
                    json!({"status": "Pulling from library/busybox", "id": "latest"}),
                    json!({"status": "Pulling fs layer", "progressDetail": {}, "id": "a416a98b71e2"}),
                    json!({"status": "Downloading", "progressDetail": {"current": 1024, "total": 2_591_590},
                           "progress": "[>                                                  ]  1.024kB/2.592MB", "id": "a416a98b71e2"}),
                    json!({"status": "Pull complete", "progressDetail": {}, "id": "a416a98b71e2"}),
                    json!({"status": format!("Digest: {digest}")}),
                    json!({"status": "Status: Downloaded newer image for busybox:latest"}),
                ],
                41,
            ))
            .call(|d| async move {
                let options = ImageCreateOptions {
                    from_image: Some("library/busybox".into()),
                    tag: Some("latest".into()),
                    platform: Some("linux/amd64".into()),
                    x_registry_auth: Some(auth()),
                    ..Default::default()
                };
                let progress = items(d.image_create().options(options).await.map_err(fail)?).await?;
                ensure_eq!(progress.len(), 6);
                ensure_eq!(progress[0].id.as_deref(), Some("latest"));
                let detail = progress[2].progress_detail.as_ref().ok_or("no progressDetail")?;
                ensure_eq!((detail.current, detail.total), (Some(1024), Some(2_591_590)));
                ensure_eq!(progress[5].status.as_deref(), Some("Status: Downloaded newer image for busybox:latest"));
                ensure!(progress.iter().all(|p| p.error.is_none()));
                Ok(())
            }),
        // The engine reads `changes` with r.Form["changes"]: one value per instruction.
        case("ImageCreate", "POST", "/images/create")
            .note("import a tarball with changes")
            .q("fromSrc", "-")
            .q("repo", "example/imported")
            .q("tag", "v1")
            .q("message", "imported from a tarball")
            .q("changes", "ENV DEBUG=true")
            .q("changes", "EXPOSE 8080/tcp")
            .bytes_body(BYTES, images_tar.clone())
            .respond(MockResponse::ndjson(&[json!({"status": IMAGE_ID})], 30))
            .call({
                let images_tar = images_tar.clone();
                move |d| async move {
                    let options = ImageCreateOptions {
                        from_src: Some("-".into()),
                        repo: Some("example/imported".into()),
                        tag: Some("v1".into()),
                        message: Some("imported from a tarball".into()),
                        changes: Some(strings(&["ENV DEBUG=true", "EXPOSE 8080/tcp"])),
                        ..Default::default()
                    };
                    let progress = items(d.image_create().input_image(images_tar).options(options).await.map_err(fail)?).await?;
                    ensure_eq!(progress.len(), 1);
                    ensure_eq!(progress[0].status.as_deref(), Some(IMAGE_ID));
                    Ok(())
                }
            }),
        // The engine reads `names` with r.Form["names"], like the docker CLI sends it: repeated.
        case("ImageGetAll", "GET", "/images/get")
            .q("names", "busybox:latest")
            .q("names", "alpine:3.18")
            .raw_query("names=busybox%3Alatest&names=alpine%3A3.18")
            .respond(MockResponse::chunked(200, "application/x-tar", &images_tar, 256))
            .call({
                let images_tar = images_tar.clone();
                move |d| async move {
                    let options = ImageGetAllOptions {
                        names: Some(strings(&["busybox:latest", "alpine:3.18"])),
                    };
                    let stream = d.image_get_all().options(options).await.map_err(fail)?;
                    ensure_eq!(stream.collect_bytes().await.map_err(fail)?, Bytes::from(images_tar));
                    Ok(())
                }
            }),
        case("ImageList", "GET", "/images/json")
            .q("all", "false")
            .q_json("filters", json!({"dangling": ["false"], "reference": ["busybox*"]}))
            .q("shared-size", "true")
            .q("digests", "true")
            .respond(MockResponse::json(200, &json!([
                image_summary_json(),
                {
                    "Id": "sha256:3c0ee0bd1b6f1ddfa2c3e1bb7dcbd29a4f2b3e0f2c7e5b08c2a4cf5c1c9b1d0e",
                    "ParentId": "sha256:aa00aa00", "RepoTags": null, "RepoDigests": null,
                    "Created": 1_684_527_000, "Size": 7_000_000_000i64, "SharedSize": 1024,
                    "Labels": {"stage": "builder"}, "Containers": 2
                }
            ])))
            .call(|d| async move {
                let options = ImageListOptions {
                    all: Some(false),
                    filters: filters(&[("dangling", &["false"]), ("reference", &["busybox*"])]),
                    shared_size: Some(true),
                    digests: Some(true),
                };
                let images = d.image_list().options(options).await.map_err(fail)?;
                ensure_eq!(images.len(), 2);
                ensure_eq!(images[0].repo_tags, strings(&["busybox:latest"]));
                ensure_eq!(images[0].shared_size, -1);
                ensure_eq!(images[0].containers, -1);
                ensure!(images[0].labels.is_empty());
                ensure!(images[1].repo_tags.is_empty());
                ensure!(images[1].repo_digests.is_empty());
                ensure_eq!(images[1].size, 7_000_000_000);
                ensure_eq!(images[1].virtual_size, None);
                ensure_eq!(images[1].labels.get("stage").map(String::as_str), Some("builder"));
                Ok(())
            }),
        case("ImageLoad", "POST", "/images/load")
            .q("quiet", "false")
            .bytes_body(TAR, images_tar.clone())
            .respond(MockResponse::ndjson(&[json!({"stream": "Loaded image: busybox:latest\n"})], 16))
            .call({
                let images_tar = images_tar.clone();
                move |d| async move {
                let options = ImageLoadOptions { quiet: Some(false) };
                let messages = items(d.image_load().images_tarball(images_tar).options(options).await.map_err(fail)?).await?;
                ensure_eq!(messages.len(), 1);
                ensure_eq!(messages[0].stream.as_deref(), Some("Loaded image: busybox:latest\n"));
                Ok(())
            }
            }),
        case("ImagePrune", "POST", "/images/prune")
            .q_json("filters", json!({"dangling": ["true"], "until": ["24h"]}))
            .respond(MockResponse::json(200, &json!({
                "ImagesDeleted": [{"Untagged": "busybox:old"}, {"Deleted": IMAGE_ID}],
                "SpaceReclaimed": 4_261_574
            })))
            .call(|d| async move {
                let options = ImagePruneOptions {
                    filters: filters(&[("dangling", &["true"]), ("until", &["24h"])]),
                };
                let pruned = d.image_prune().options(options).await.map_err(fail)?;
                let deleted = pruned.images_deleted.ok_or("no ImagesDeleted")?;
                ensure_eq!(deleted[0].untagged.as_deref(), Some("busybox:old"));
                ensure_eq!(deleted[1].deleted.as_deref(), Some(IMAGE_ID));
                ensure_eq!(pruned.space_reclaimed, Some(4_261_574));
                Ok(())
            }),
        case("ImageSearch", "GET", "/images/search")
            .q("term", "busybox")
            .q("limit", "5")
            .q_json("filters", json!({"is-official": ["true"], "stars": ["100"]}))
            .respond(MockResponse::json(200, &json!([
                {"description": "Busybox base image.", "is_official": true, "is_automated": false, "name": "busybox", "star_count": 3080},
                {"description": "", "is_official": false, "is_automated": false, "name": "progrium/busybox", "star_count": 72}
            ])))
            .call(|d| async move {
                let options = ImageSearchOptions {
                    limit: Some(5),
                    filters: filters(&[("is-official", &["true"]), ("stars", &["100"])]),
                };
                let results = d.image_search("busybox").options(options).await.map_err(fail)?;
                ensure_eq!(results.len(), 2);
                ensure_eq!(results[0].name.as_deref(), Some("busybox"));
                ensure_eq!(results[0].is_official, Some(true));
                ensure_eq!(results[0].star_count, Some(3080));
                Ok(())
            }),
        case("ImageDelete", "DELETE", "/images/library%2Fbusybox%3Alatest")
            .q("force", "true")
            .q("noprune", "false")
            .respond(MockResponse::json(200, &json!([
                {"Untagged": "busybox:latest"},
                {"Untagged": format!("busybox@{digest}")},
                {"Deleted": IMAGE_ID}
            ])))
            .call(|d| async move {
                let options = ImageDeleteOptions {
                    force: Some(true),
                    noprune: Some(false),
                };
                let deleted = d.image_delete("library/busybox:latest").options(options).await.map_err(fail)?;
                ensure_eq!(deleted.len(), 3);
                ensure_eq!(deleted[2].deleted.as_deref(), Some(IMAGE_ID));
                ensure_eq!(deleted[2].untagged, None);
                Ok(())
            }),
        case("ImageGet", "GET", "/images/library%2Fbusybox%3Alatest/get")
            .respond(MockResponse::chunked(200, "application/x-tar", &images_tar, 100))
            .call({
                let images_tar = images_tar.clone();
                move |d| async move {
                    let stream = d.image_get("library/busybox:latest").await.map_err(fail)?;
                    ensure_eq!(stream.collect_bytes().await.map_err(fail)?, Bytes::from(images_tar));
                    Ok(())
                }
            }),
        case("ImageHistory", "GET", format!("/images/{}/history", IMAGE_ID.replace(':', "%3A")))
            .respond(MockResponse::json(200, &json!([
                {"Id": IMAGE_ID, "Created": 1_684_527_568, "CreatedBy": "/bin/sh -c #(nop)  CMD [\"sh\"]", "Tags": ["busybox:latest"], "Size": 0, "Comment": ""},
                {"Id": "<missing>", "Created": 1_684_527_567, "CreatedBy": "/bin/sh -c #(nop) ADD file:7e9002edaafd4e4579b65c8f0aaabde1aeb7fd3f8d95579f7fd3443cef785fd1 in / ", "Tags": null, "Size": 4_261_574, "Comment": ""}
            ])))
            .call(|d| async move {
                let history = d.image_history(IMAGE_ID).await.map_err(fail)?;
                ensure_eq!(history.len(), 2);
                ensure_eq!(history[0].tags, strings(&["busybox:latest"]));
                ensure!(history[1].tags.is_empty());
                ensure_eq!(history[1].size, 4_261_574);
                Ok(())
            }),
        case("ImageInspect", "GET", "/images/busybox%3Alatest/json")
            .respond(MockResponse::json(200, &image_inspect_json()))
            .call(|d| async move {
                let image = d.image_inspect("busybox:latest").await.map_err(fail)?;
                ensure_eq!(image.id.as_deref(), Some(IMAGE_ID));
                ensure_eq!(image.repo_tags, Some(strings(&["busybox:latest"])));
                ensure_eq!(image.size, Some(4_261_574));
                let config = image.config.ok_or("no Config")?;
                ensure_eq!(config.cmd, Some(strings(&["sh"])));
                ensure_eq!(config.volumes, None);
                ensure_eq!(config.exposed_ports, Some(strings(&["8080/tcp"])));
                ensure_eq!(config.labels, None);
                let root_fs = image.root_fs.ok_or("no RootFS")?;
                ensure_eq!(root_fs.r#type, "layers");
                ensure_eq!(root_fs.layers.map(|l| l.len()), Some(1));
                ensure_eq!(image.metadata.and_then(|m| m.last_tag_time).as_deref(), Some("0001-01-01T00:00:00Z"));
                Ok(())
            }),
        case("ImagePush", "POST", "/images/registry.example.com%3A5000%2Fteam%2Fapp/push")
            .q("tag", "v1")
            .header_json("X-Registry-Auth", auth_json())
            .respond(MockResponse::ndjson(
                &[
                    json!({"status": "The push refers to repository [registry.example.com:5000/team/app]"}),
                    json!({"status": "Preparing", "progressDetail": {}, "id": "a416a98b71e2"}),
                    json!({"status": "Pushing", "progressDetail": {"current": 512, "total": 4_261_574}, "progress": "[>   ]    512B/4.262MB", "id": "a416a98b71e2"}),
                    json!({"status": "Pushed", "progressDetail": {}, "id": "a416a98b71e2"}),
                    json!({"status": format!("v1: digest: {digest} size: 527")}),
                    json!({"progressDetail": {}, "aux": {"Tag": "v1", "Digest": digest, "Size": 527}}),
                ],
                29,
            ))
            .call(|d| async move {
                let options = ImagePushOptions { tag: Some("v1".into()) };
                let progress = items(d.image_push("registry.example.com:5000/team/app", &auth()).options(options).await.map_err(fail)?).await?;
                ensure_eq!(progress.len(), 6);
                ensure_eq!(progress[2].progress_detail.as_ref().and_then(|p| p.total), Some(4_261_574));
                ensure_eq!(progress[3].status.as_deref(), Some("Pushed"));
                Ok(())
            }),
        case("ImageTag", "POST", "/images/busybox%3Alatest/tag")
            .q("repo", "registry.example.com:5000/team/busybox")
            .q("tag", "v1")
            .respond(MockResponse::status(201))
            .call(|d| async move {
                let options = ImageTagOptions {
                    repo: Some("registry.example.com:5000/team/busybox".into()),
                    tag: Some("v1".into()),
                };
                d.image_tag("busybox:latest").options(options).await.map_err(fail)
            }),
        case("DistributionInspect", "GET", "/distribution/library%2Fbusybox%3Alatest/json")
            .respond(MockResponse::json(200, &json!({
                "Descriptor": {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest, "size": 9014},
                "Platforms": [
                    {"architecture": "amd64", "os": "linux"},
                    {"architecture": "arm", "os": "linux", "variant": "v7"},
                    {"architecture": "amd64", "os": "windows", "os.version": "10.0.20348.1726", "os.features": ["win32k"]}
                ]
            })))
            .call(move |d| async move {
                let dist = d.distribution_inspect("library/busybox:latest").await.map_err(fail)?;
                ensure_eq!(dist.descriptor.digest.as_deref(), Some(digest));
                ensure_eq!(dist.descriptor.size, Some(9014));
                ensure_eq!(dist.platforms.len(), 3);
                ensure_eq!(dist.platforms[1].variant.as_deref(), Some("v7"));
                ensure_eq!(dist.platforms[2].os_version.as_deref(), Some("10.0.20348.1726"));
                ensure_eq!(dist.platforms[2].os_features, Some(strings(&["win32k"])));
                Ok(())
            }),
    ]
}

fn network_cases() -> Vec<Case> {
    vec![
        case("NetworkList", "GET", "/networks")
            .q_json("filters", json!({"driver": ["bridge"], "scope": ["local"]}))
            .respond(MockResponse::json(200, &json!([network_json()])))
            .call(|d| async move {
                let options = NetworkListOptions {
                    filters: filters(&[("driver", &["bridge"]), ("scope", &["local"])]),
                };
                let networks = d.network_list().options(options).await.map_err(fail)?;
                ensure_eq!(networks.len(), 1);
                ensure_eq!(networks[0].id.as_deref(), Some(NETWORK_ID));
                let ipam = networks[0].ipam.as_ref().ok_or("no IPAM")?;
                ensure_eq!(ipam.options, None);
                ensure_eq!(ipam.config.as_ref().map(|c| c[0].subnet.clone()), Some(Some("172.17.0.0/16".to_owned())));
                let containers = networks[0].containers.as_ref().ok_or("no Containers")?;
                ensure_eq!(containers[CID].i_pv4_address.as_deref(), Some("172.17.0.2/16"));
                Ok(())
            }),
        case("NetworkCreate", "POST", "/networks/create")
            .json_body(json!({
                "Name": "isolated_nw",
                "CheckDuplicate": false,
                "Driver": "bridge",
                "Internal": true,
                "Attachable": true,
                "Ingress": false,
                "EnableIPv6": false,
                "IPAM": {
                    "Driver": "default",
                    "Config": [{"Subnet": "172.20.0.0/16", "IPRange": "172.20.10.0/24", "Gateway": "172.20.10.11"}],
                    "Options": {"foo": "bar"}
                },
                "Options": {"com.docker.network.bridge.enable_icc": "true"},
                "Labels": {"com.example.some-label": "some-value"}
            }))
            .respond(MockResponse::json(201, &json!({"Id": "22be93d5babb089c5aab8dbc369042fad48ff791584ca2da2100db837a1c7c30", "Warning": ""})))
            .call(|d| async move {
                let config = models::NetworkCreateRequest {
                    name: "isolated_nw".into(),
                    check_duplicate: Some(false),
                    driver: Some("bridge".into()),
                    internal: Some(true),
                    attachable: Some(true),
                    ingress: Some(false),
                    enable_i_pv6: Some(false),
                    ipam: Some(models::Ipam {
                        driver: Some("default".into()),
                        config: Some(vec![models::IpamConfig {
                            subnet: Some("172.20.0.0/16".into()),
                            ip_range: Some("172.20.10.0/24".into()),
                            gateway: Some("172.20.10.11".into()),
                            auxiliary_addresses: None,
                        }]),
                        options: Some(string_map(&[("foo", "bar")])),
                    }),
                    options: Some(string_map(&[("com.docker.network.bridge.enable_icc", "true")])),
                    labels: Some(string_map(&[("com.example.some-label", "some-value")])),
                    ..Default::default()
                };
                let created = d.network_create(config).await.map_err(fail)?;
                ensure_eq!(created.id.as_deref(), Some("22be93d5babb089c5aab8dbc369042fad48ff791584ca2da2100db837a1c7c30"));
                ensure_eq!(created.warning.as_deref(), Some(""));
                Ok(())
            }),
        case("NetworkPrune", "POST", "/networks/prune")
            .q_json("filters", json!({"until": ["1h"], "label": ["env=test"]}))
            .respond(MockResponse::json(200, &json!({"NetworksDeleted": ["isolated_nw"]})))
            .call(|d| async move {
                let options = NetworkPruneOptions {
                    filters: filters(&[("until", &["1h"]), ("label", &["env=test"])]),
                };
                ensure_eq!(d.network_prune().options(options).await.map_err(fail)?.networks_deleted, Some(strings(&["isolated_nw"])));
                Ok(())
            }),
        // `?` and `#` in a path parameter must stay in the path.
        case("NetworkInspect", "GET", "/networks/net%3Fx%23y")
            .q("verbose", "true")
            .q("scope", "local")
            .respond(MockResponse::json(200, &network_json()))
            .call(|d| async move {
                let options = NetworkInspectOptions {
                    verbose: Some(true),
                    scope: Some("local".into()),
                };
                let network = d.network_inspect("net?x#y").options(options).await.map_err(fail)?;
                ensure_eq!(network.name.as_deref(), Some("bridge"));
                ensure_eq!(network.labels.map(|l| l.len()), Some(0));
                Ok(())
            }),
        case("NetworkDelete", "DELETE", "/networks/isolated_nw")
            .respond(MockResponse::no_content())
            .call(|d| async move { d.network_delete("isolated_nw").await.map_err(fail) }),
        case("NetworkConnect", "POST", "/networks/isolated_nw/connect")
            .json_body(json!({
                "Container": "web",
                "EndpointConfig": {"IPAMConfig": {"IPv4Address": "172.24.56.89", "IPv6Address": "2001:db8::5689"}, "Aliases": ["db"]}
            }))
            .call(|d| async move {
                let request = models::NetworkConnectRequest {
                    container: Some("web".into()),
                    endpoint_config: Some(models::EndpointSettings {
                        ipam_config: Some(models::EndpointIpamConfig {
                            i_pv4_address: Some("172.24.56.89".into()),
                            i_pv6_address: Some("2001:db8::5689".into()),
                            link_local_i_ps: None,
                        }),
                        aliases: Some(strings(&["db"])),
                        ..Default::default()
                    }),
                };
                d.network_connect("isolated_nw", request).await.map_err(fail)
            }),
        case("NetworkDisconnect", "POST", "/networks/isolated_nw/disconnect")
            .json_body(json!({"Container": "web", "Force": true}))
            .call(|d| async move {
                let request = models::NetworkDisconnectRequest {
                    container: Some("web".into()),
                    force: Some(true),
                };
                d.network_disconnect("isolated_nw", request).await.map_err(fail)
            }),
    ]
}

fn swarm_spec() -> (models::SwarmSpec, Value) {
    let spec = models::SwarmSpec {
        name: Some("default".into()),
        labels: Some(string_map(&[(
            "com.example.corp.department",
            "engineering",
        )])),
        orchestration: Some(models::SwarmSpecOrchestration {
            task_history_retention_limit: Some(5),
        }),
        raft: Some(models::SwarmSpecRaft {
            snapshot_interval: Some(10_000),
            log_entries_for_slow_followers: Some(500),
            heartbeat_tick: Some(1),
            election_tick: Some(3),
            keep_old_snapshots: None,
        }),
        dispatcher: Some(models::SwarmSpecDispatcher {
            heartbeat_period: Some(5_000_000_000),
        }),
        ca_config: Some(models::SwarmSpecCaConfig {
            node_cert_expiry: Some(7_776_000_000_000_000),
            ..Default::default()
        }),
        encryption_config: Some(models::SwarmSpecEncryptionConfig {
            auto_lock_managers: Some(false),
        }),
        task_defaults: None,
    };
    let json = json!({
        "Name": "default",
        "Labels": {"com.example.corp.department": "engineering"},
        "Orchestration": {"TaskHistoryRetentionLimit": 5},
        "Raft": {"SnapshotInterval": 10_000, "LogEntriesForSlowFollowers": 500, "HeartbeatTick": 1, "ElectionTick": 3},
        "Dispatcher": {"HeartbeatPeriod": 5_000_000_000i64},
        "CAConfig": {"NodeCertExpiry": 7_776_000_000_000_000i64},
        "EncryptionConfig": {"AutoLockManagers": false}
    });
    (spec, json)
}

fn swarm_cases() -> Vec<Case> {
    let (spec, spec_json) = swarm_spec();
    let unlock_key = "SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8";
    let token =
        "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-7p73s1dx5in4tatdymyhg9hu2";

    vec![
        case("SwarmInspect", "GET", "/swarm")
            .respond(MockResponse::json(200, &json!({
                "ID": "abajmipo7b4xz5ip2nrla6b11", "Version": {"Index": 373531},
                "CreatedAt": "2016-08-18T10:44:24.496525531Z", "UpdatedAt": "2017-08-09T07:09:37.632105588Z",
                "Spec": spec_json.clone(), "TLSInfo": {"TrustRoot": "", "CertIssuerSubject": "", "CertIssuerPublicKey": ""},
                "RootRotationInProgress": false, "DataPathPort": 4789, "DefaultAddrPool": ["10.10.0.0/16"], "SubnetSize": 24,
                "JoinTokens": {"Worker": token, "Manager": "SWMTKN-1-manager"}
            })))
            .call(move |d| async move {
                let swarm = d.swarm_inspect().await.map_err(fail)?;
                ensure_eq!(swarm.id.as_deref(), Some("abajmipo7b4xz5ip2nrla6b11"));
                ensure_eq!(swarm.join_tokens.and_then(|t| t.worker).as_deref(), Some(token));
                Ok(())
            }),
        case("SwarmInit", "POST", "/swarm/init")
            .json_body(json!({
                "ListenAddr": "0.0.0.0:2377",
                "AdvertiseAddr": "192.168.1.1:2377",
                "DataPathPort": 4789,
                "DefaultAddrPool": ["10.10.0.0/8", "20.20.0.0/8"],
                "SubnetSize": 24,
                "ForceNewCluster": false,
                "Spec": spec_json.clone()
            }))
            .respond(MockResponse::json(200, &json!("7v2t30z9blmxuhnyo6s4cpenp")))
            .call({
                let spec = spec.clone();
                move |d| async move {
                    let request = models::SwarmInitRequest {
                        listen_addr: Some("0.0.0.0:2377".into()),
                        advertise_addr: Some("192.168.1.1:2377".into()),
                        data_path_addr: None,
                        data_path_port: Some(4789),
                        default_addr_pool: Some(strings(&["10.10.0.0/8", "20.20.0.0/8"])),
                        subnet_size: Some(24),
                        force_new_cluster: Some(false),
                        spec: Some(spec),
                    };
                    ensure_eq!(d.swarm_init(request).await.map_err(fail)?, "7v2t30z9blmxuhnyo6s4cpenp");
                    Ok(())
                }
            }),
        case("SwarmJoin", "POST", "/swarm/join")
            .json_body(json!({
                "ListenAddr": "0.0.0.0:2377",
                "AdvertiseAddr": "192.168.1.1:2377",
                "DataPathAddr": "192.168.1.1",
                "RemoteAddrs": ["node1:2377"],
                "JoinToken": token
            }))
            .call(move |d| async move {
                let request = models::SwarmJoinRequest {
                    listen_addr: "0.0.0.0:2377".into(),
                    advertise_addr: Some("192.168.1.1:2377".into()),
                    data_path_addr: Some("192.168.1.1".into()),
                    remote_addrs: strings(&["node1:2377"]),
                    join_token: token.into(),
                };
                d.swarm_join(request).await.map_err(fail)
            }),
        case("SwarmLeave", "POST", "/swarm/leave")
            .q("force", "true")
            .call(|d| async move {
                d.swarm_leave().options(SwarmLeaveOptions { force: Some(true) }).await.map_err(fail)
            }),
        case("SwarmUnlock", "POST", "/swarm/unlock")
            .json_body(json!({"UnlockKey": unlock_key}))
            .call(move |d| async move {
                let request = models::SwarmUnlockRequest {
                    unlock_key: Some(unlock_key.into()),
                };
                d.swarm_unlock(request).await.map_err(fail)
            }),
        case("SwarmUnlockkey", "GET", "/swarm/unlockkey")
            .respond(MockResponse::json(200, &json!({"UnlockKey": unlock_key})))
            .call(move |d| async move {
                ensure_eq!(d.swarm_unlockkey().await.map_err(fail)?.unlock_key.as_deref(), Some(unlock_key));
                Ok(())
            }),
        case("SwarmUpdate", "POST", "/swarm/update")
            .q("version", "373531")
            .q("rotateWorkerToken", "true")
            .q("rotateManagerToken", "false")
            .q("rotateManagerUnlockKey", "true")
            .json_body(spec_json)
            .call(move |d| async move {
                let options = SwarmUpdateOptions {
                    rotate_worker_token: Some(true),
                    rotate_manager_token: Some(false),
                    rotate_manager_unlock_key: Some(true),
                };
                d.swarm_update(373_531, spec).options(options).await.map_err(fail)
            }),
        case("NodeList", "GET", "/nodes")
            .q_json("filters", json!({"role": ["manager"], "membership": ["accepted"]}))
            .respond(MockResponse::json(200, &json!([node_json()])))
            .call(|d| async move {
                let options = NodeListOptions {
                    filters: filters(&[("role", &["manager"]), ("membership", &["accepted"])]),
                };
                let nodes = d.node_list().options(options).await.map_err(fail)?;
                ensure_eq!(nodes.len(), 1);
                let node = &nodes[0];
                ensure_eq!(node.version.as_ref().and_then(|v| v.index), Some(8));
                let spec = node.spec.as_ref().ok_or("no Spec")?;
                ensure_eq!(spec.role, Some(models::NodeSpecRole::Manager));
                ensure_eq!(spec.availability, Some(models::NodeSpecAvailability::Active));
                ensure_eq!(node.status.as_ref().and_then(|s| s.state.clone()), Some(models::NodeState::Ready));
                let manager = node.manager_status.as_ref().ok_or("no ManagerStatus")?;
                ensure_eq!(manager.reachability, Some(models::Reachability::Reachable));
                let resources = node.description.as_ref().and_then(|d| d.resources.as_ref()).ok_or("no Resources")?;
                ensure_eq!(resources.memory_bytes, Some(8_272_408_576));
                ensure_eq!(resources.generic_resources.as_ref().map(Vec::len), Some(2));
                Ok(())
            }),
        case("NodeInspect", "GET", "/nodes/24ifsmvkjbyhk")
            .respond(MockResponse::json(200, &node_json()))
            .call(|d| async move {
                let node = d.node_inspect("24ifsmvkjbyhk").await.map_err(fail)?;
                ensure_eq!(node.id.as_deref(), Some("24ifsmvkjbyhk"));
                let engine = node.description.and_then(|d| d.engine).ok_or("no Engine")?;
                ensure_eq!(engine.engine_version.as_deref(), Some("24.0.5"));
                ensure_eq!(engine.plugins.map(|p| p.len()), Some(2));
                Ok(())
            }),
        case("NodeDelete", "DELETE", "/nodes/24ifsmvkjbyhk")
            .q("force", "true")
            .call(|d| async move {
                d.node_delete("24ifsmvkjbyhk").options(NodeDeleteOptions { force: Some(true) }).await.map_err(fail)
            }),
        case("NodeUpdate", "POST", "/nodes/24ifsmvkjbyhk/update")
            .q("version", "8")
            .json_body(json!({"Name": "node-1", "Labels": {"zone": "eu-1"}, "Role": "manager", "Availability": "drain"}))
            .call(|d| async move {
                let spec = models::NodeSpec {
                    name: Some("node-1".into()),
                    labels: Some(string_map(&[("zone", "eu-1")])),
                    role: Some(models::NodeSpecRole::Manager),
                    availability: Some(models::NodeSpecAvailability::Drain),
                };
                d.node_update("24ifsmvkjbyhk", 8).body(spec).await.map_err(fail)
            }),
        case("ConfigList", "GET", "/configs")
            .q_json("filters", json!({"name": ["server.conf"], "label": ["env=prod"]}))
            .respond(MockResponse::json(200, &json!([config_json()])))
            .call(|d| async move {
                let options = ConfigListOptions {
                    filters: filters(&[("name", &["server.conf"]), ("label", &["env=prod"])]),
                };
                let configs = d.config_list().options(options).await.map_err(fail)?;
                ensure_eq!(configs.len(), 1);
                ensure_eq!(configs[0].id.as_deref(), Some("ktnbjxoalbkvbvedmg1urrz8h"));
                ensure_eq!(configs[0].version.as_ref().and_then(|v| v.index), Some(11));
                ensure_eq!(configs[0].spec.as_ref().and_then(|s| s.name.as_deref()), Some("server.conf"));
                Ok(())
            }),
        // The engine answers {"ID": ...} (its ConfigCreateResponse has no JSON tag on ID).
        case("ConfigCreate", "POST", "/configs/create")
            .json_body(json!({
                "Name": "server.conf",
                "Labels": {"foo": "bar"},
                "Data": "VEhJUyBJUyBOT1QgQSBSRUFMIENFUlRJRklDQVRFCg==",
                "Templating": {"Name": "golang"}
            }))
            .respond(MockResponse::json(201, &json!({"ID": "ktnbjxoalbkvbvedmg1urrz8h"})))
            .call(|d| async move {
                let body = models::ConfigCreateBody {
                    name: Some("server.conf".into()),
                    labels: Some(string_map(&[("foo", "bar")])),
                    data: Some("VEhJUyBJUyBOT1QgQSBSRUFMIENFUlRJRklDQVRFCg==".into()),
                    templating: Some(models::Driver {
                        name: "golang".into(),
                        options: None,
                    }),
                };
                ensure_eq!(d.config_create().body(body).await.map_err(fail)?.id, "ktnbjxoalbkvbvedmg1urrz8h");
                Ok(())
            }),
        case("ConfigInspect", "GET", "/configs/ktnbjxoalbkvbvedmg1urrz8h")
            .respond(MockResponse::json(200, &config_json()))
            .call(|d| async move {
                let config = d.config_inspect("ktnbjxoalbkvbvedmg1urrz8h").await.map_err(fail)?;
                let spec = config.spec.ok_or("no Spec")?;
                ensure_eq!(spec.data.as_deref(), Some("VEhJUyBJUyBOT1QgQSBSRUFMIENFUlRJRklDQVRFCg=="));
                ensure_eq!(spec.labels.map(|l| l["env"].clone()), Some("prod".to_owned()));
                ensure_eq!(spec.templating, None);
                Ok(())
            }),
        case("ConfigDelete", "DELETE", "/configs/ktnbjxoalbkvbvedmg1urrz8h")
            .respond(MockResponse::no_content())
            .call(|d| async move { d.config_delete("ktnbjxoalbkvbvedmg1urrz8h").await.map_err(fail) }),
        case("ConfigUpdate", "POST", "/configs/ktnbjxoalbkvbvedmg1urrz8h/update")
            .q("version", "11")
            .json_body(json!({"Name": "server.conf", "Labels": {"foo": "baz"}, "Data": "VEhJUyBJUyBOT1QgQSBSRUFMIENFUlRJRklDQVRFCg=="}))
            .call(|d| async move {
                let spec = models::ConfigSpec {
                    name: Some("server.conf".into()),
                    labels: Some(string_map(&[("foo", "baz")])),
                    data: Some("VEhJUyBJUyBOT1QgQSBSRUFMIENFUlRJRklDQVRFCg==".into()),
                    templating: None,
                };
                d.config_update("ktnbjxoalbkvbvedmg1urrz8h", 11).body(spec).await.map_err(fail)
            }),
        case("SecretList", "GET", "/secrets")
            .q_json("filters", json!({"name": ["mysql-passwd"]}))
            .respond(MockResponse::json(200, &json!([secret_json()])))
            .call(|d| async move {
                let options = SecretListOptions {
                    filters: filters(&[("name", &["mysql-passwd"])]),
                };
                let secrets = d.secret_list().options(options).await.map_err(fail)?;
                ensure_eq!(secrets.len(), 1);
                let spec = secrets[0].spec.as_ref().ok_or("no Spec")?;
                ensure_eq!(spec.driver.as_ref().map(|d| d.name.as_str()), Some("secret-bucket"));
                ensure_eq!(spec.data, None);
                Ok(())
            }),
        // The engine answers {"ID": ...} (moby's SecretCreateResponse has no JSON tag on ID).
        case("SecretCreate", "POST", "/secrets/create")
            .json_body(json!({
                "Name": "app-key.crt",
                "Labels": {"foo": "bar"},
                "Data": "VEhJUyBJUyBOT1QgQSBSRUFMIENFUlRJRklDQVRFCg==",
                "Driver": {"Name": "secret-bucket", "Options": {"OptionA": "value for driver option A"}}
            }))
            .respond(MockResponse::json(201, &json!({"ID": "ktnbjxoalbkvbvedmg1urrz8h"})))
            .call(|d| async move {
                let body = models::SecretCreateBody {
                    name: Some("app-key.crt".into()),
                    labels: Some(string_map(&[("foo", "bar")])),
                    data: Some("VEhJUyBJUyBOT1QgQSBSRUFMIENFUlRJRklDQVRFCg==".into()),
                    driver: Some(models::Driver {
                        name: "secret-bucket".into(),
                        options: Some(string_map(&[("OptionA", "value for driver option A")])),
                    }),
                    templating: None,
                };
                ensure_eq!(d.secret_create().body(body).await.map_err(fail)?.id, "ktnbjxoalbkvbvedmg1urrz8h");
                Ok(())
            }),
        // `%` in a path parameter is escaped too.
        case("SecretInspect", "GET", "/secrets/50%25off")
            .respond(MockResponse::json(200, &secret_json()))
            .call(|d| async move {
                let secret = d.secret_inspect("50%off").await.map_err(fail)?;
                ensure_eq!(secret.id.as_deref(), Some("blt1owaxmitz71s9v5zh81zun"));
                Ok(())
            }),
        case("SecretDelete", "DELETE", "/secrets/blt1owaxmitz71s9v5zh81zun")
            .respond(MockResponse::no_content())
            .call(|d| async move { d.secret_delete("blt1owaxmitz71s9v5zh81zun").await.map_err(fail) }),
        case("SecretUpdate", "POST", "/secrets/blt1owaxmitz71s9v5zh81zun/update")
            .q("version", "85")
            .json_body(json!({"Name": "mysql-passwd", "Labels": {"some.label": "other"}}))
            .call(|d| async move {
                let spec = models::SecretSpec {
                    name: Some("mysql-passwd".into()),
                    labels: Some(string_map(&[("some.label", "other")])),
                    ..Default::default()
                };
                d.secret_update("blt1owaxmitz71s9v5zh81zun", 85).body(spec).await.map_err(fail)
            }),
        case("ServiceList", "GET", "/services")
            .q_json("filters", json!({"mode": ["replicated"], "label": ["app=web"]}))
            .q("status", "true")
            .respond(MockResponse::json(200, &json!([service_json()])))
            .call(|d| async move {
                let options = ServiceListOptions {
                    filters: filters(&[("mode", &["replicated"]), ("label", &["app=web"])]),
                    status: Some(true),
                };
                let services = d.service_list().options(options).await.map_err(fail)?;
                ensure_eq!(services.len(), 1);
                let status = services[0].service_status.as_ref().ok_or("no ServiceStatus")?;
                ensure_eq!(status.running_tasks, Some(3));
                let update = services[0].update_status.as_ref().ok_or("no UpdateStatus")?;
                ensure_eq!(update.state, Some(models::ServiceUpdateStatusState::RollbackCompleted));
                Ok(())
            }),
        case("ServiceCreate", "POST", "/services/create")
            .header_json("X-Registry-Auth", auth_json())
            .json_body(json!({
                "Name": "web",
                "Labels": {"app": "web"},
                "TaskTemplate": {
                    "ContainerSpec": {
                        "Image": "nginx:alpine",
                        "Env": ["A=1"],
                        "Mounts": [{"Source": "web-data", "Target": "/data", "Type": "volume", "ReadOnly": false}],
                        "Healthcheck": {"Test": ["CMD", "true"], "Interval": 30_000_000_000i64}
                    },
                    "RestartPolicy": {"Condition": "on-failure", "Delay": 10_000_000_000i64, "MaxAttempts": 10},
                    "Resources": {"Limits": {"MemoryBytes": 104_857_600}}
                },
                "Mode": {"Replicated": {"Replicas": 4}},
                "UpdateConfig": {"Parallelism": 2, "Delay": 1_000_000_000, "FailureAction": "pause", "Monitor": 15_000_000_000i64, "MaxFailureRatio": 0.15, "Order": "stop-first"},
                "EndpointSpec": {"Ports": [{"Protocol": "tcp", "PublishedPort": 8080, "TargetPort": 80, "PublishMode": "ingress"}]}
            }))
            .respond(MockResponse::json(201, &json!({"ID": "ak7w3gjqoa3kuz8xcpnyy0pvl", "Warning": "unable to pin image nginx:alpine to digest"})))
            .call(|d| async move {
                let body = models::ServiceCreateBody {
                    name: Some("web".into()),
                    labels: Some(string_map(&[("app", "web")])),
                    task_template: Some(models::TaskSpec {
                        container_spec: Some(models::TaskSpecContainerSpec {
                            image: Some("nginx:alpine".into()),
                            env: Some(strings(&["A=1"])),
                            mounts: Some(vec![models::Mount {
                                source: Some("web-data".into()),
                                target: Some("/data".into()),
                                r#type: Some(models::MountType::Volume),
                                read_only: Some(false),
                                ..Default::default()
                            }]),
                            healthcheck: Some(models::HealthConfig {
                                test: Some(strings(&["CMD", "true"])),
                                interval: Some(30_000_000_000),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }),
                        restart_policy: Some(models::TaskSpecRestartPolicy {
                            condition: Some(models::TaskSpecRestartPolicyCondition::OnFailure),
                            delay: Some(10_000_000_000),
                            max_attempts: Some(10),
                            window: None,
                        }),
                        resources: Some(models::TaskSpecResources {
                            limits: Some(models::Limit {
                                memory_bytes: Some(104_857_600),
                                ..Default::default()
                            }),
                            reservations: None,
                        }),
                        ..Default::default()
                    }),
                    mode: Some(models::ServiceSpecMode {
                        replicated: Some(models::ServiceSpecModeReplicated { replicas: Some(4) }),
                        ..Default::default()
                    }),
                    update_config: Some(models::ServiceSpecUpdateConfig {
                        parallelism: Some(2),
                        delay: Some(1_000_000_000),
                        failure_action: Some(models::ServiceSpecUpdateConfigFailureAction::Pause),
                        monitor: Some(15_000_000_000),
                        max_failure_ratio: Some(0.15),
                        order: Some(models::ServiceSpecUpdateConfigOrder::StopFirst),
                    }),
                    endpoint_spec: Some(models::EndpointSpec {
                        mode: None,
                        ports: Some(vec![models::EndpointPortConfig {
                            protocol: Some(models::EndpointPortConfigProtocol::Tcp),
                            published_port: Some(8080),
                            target_port: Some(80),
                            publish_mode: Some(models::EndpointPortConfigPublishMode::Ingress),
                            name: None,
                        }]),
                    }),
                    ..Default::default()
                };
                let options = ServiceCreateOptions {
                    x_registry_auth: Some(auth()),
                };
                let created = d.service_create(body).options(options).await.map_err(fail)?;
                ensure_eq!(created.id.as_deref(), Some("ak7w3gjqoa3kuz8xcpnyy0pvl"));
                Ok(())
            }),
        case("ServiceInspect", "GET", "/services/web")
            .q("insertDefaults", "true")
            .respond(MockResponse::json(200, &service_json()))
            .call(|d| async move {
                let options = ServiceInspectOptions {
                    insert_defaults: Some(true),
                };
                let service = d.service_inspect("web").options(options).await.map_err(fail)?;
                let spec = service.spec.ok_or("no Spec")?;
                ensure_eq!(spec.mode.and_then(|m| m.replicated).and_then(|r| r.replicas), Some(3));
                let update = spec.update_config.ok_or("no UpdateConfig")?;
                ensure_eq!(update.max_failure_ratio, Some(0.15));
                ensure_eq!(update.order, Some(models::ServiceSpecUpdateConfigOrder::StopFirst));
                let task = spec.task_template.ok_or("no TaskTemplate")?;
                ensure_eq!(task.restart_policy.and_then(|r| r.condition), Some(models::TaskSpecRestartPolicyCondition::OnFailure));
                let container = task.container_spec.ok_or("no ContainerSpec")?;
                ensure_eq!(container.isolation, Some(models::TaskSpecContainerSpecIsolation::Default));
                ensure_eq!(container.healthcheck.and_then(|h| h.interval), Some(30_000_000_000));
                let endpoint = service.endpoint.ok_or("no Endpoint")?;
                ensure_eq!(endpoint.virtual_i_ps.map(|v| v.len()), Some(1));
                Ok(())
            }),
        case("ServiceDelete", "DELETE", "/services/web")
            .call(|d| async move { d.service_delete("web").await.map_err(fail) }),
        case("ServiceLogs", "GET", "/services/web/logs")
            .q("details", "true")
            .q("follow", "false")
            .q("stdout", "true")
            .q("stderr", "false")
            .q("since", "1688205600")
            .q("timestamps", "true")
            .q("tail", "all")
            .respond(MockResponse::chunked(200, "application/vnd.docker.multiplexed-stream", &attach_frames(), 5))
            .call(|d| async move {
                let options = ServiceLogsOptions {
                    details: Some(true),
                    follow: Some(false),
                    stdout: Some(true),
                    stderr: Some(false),
                    since: Some(1_688_205_600),
                    timestamps: Some(true),
                    tail: Some("all".into()),
                };
                let logs = d.service_logs("web").options(options).await.map_err(fail)?;
                ensure_eq!(output(logs).await?, vec![("stdout", "out\n".to_owned()), ("stderr", "err\n".to_owned())]);
                Ok(())
            }),
        case("ServiceUpdate", "POST", "/services/web/update")
            .q("version", "19")
            .q("registryAuthFrom", "previous-spec")
            .q("rollback", "previous")
            .header_json("X-Registry-Auth", auth_json())
            .json_body(json!({
                "Name": "web",
                "TaskTemplate": {"ContainerSpec": {"Image": "nginx:1.25"}, "ForceUpdate": 1},
                "Mode": {"Replicated": {"Replicas": 2}}
            }))
            .respond(MockResponse::json(200, &json!({"Warnings": ["image nginx:1.25 could not be accessed on a registry to record its digest"]})))
            .call(|d| async move {
                let body = models::ServiceUpdateBody {
                    name: Some("web".into()),
                    task_template: Some(models::TaskSpec {
                        container_spec: Some(models::TaskSpecContainerSpec {
                            image: Some("nginx:1.25".into()),
                            ..Default::default()
                        }),
                        force_update: Some(1),
                        ..Default::default()
                    }),
                    mode: Some(models::ServiceSpecMode {
                        replicated: Some(models::ServiceSpecModeReplicated { replicas: Some(2) }),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                let options = ServiceUpdateOptions {
                    registry_auth_from: Some(models::ServiceUpdateRegistryAuthFrom::PreviousSpec),
                    rollback: Some("previous".into()),
                    x_registry_auth: Some(auth()),
                };
                let answer = d.service_update("web", 19, body).options(options).await.map_err(fail)?;
                ensure_eq!(answer.warnings.map(|w| w.len()), Some(1));
                Ok(())
            }),
        case("TaskList", "GET", "/tasks")
            .q_json("filters", json!({"desired-state": ["running"], "service": ["web"]}))
            .respond(MockResponse::json(200, &json!([task_json()])))
            .call(|d| async move {
                let options = TaskListOptions {
                    filters: filters(&[("desired-state", &["running"]), ("service", &["web"])]),
                };
                let tasks = d.task_list().options(options).await.map_err(fail)?;
                ensure_eq!(tasks.len(), 1);
                ensure_eq!(tasks[0].desired_state, Some(models::TaskState::Running));
                let status = tasks[0].status.as_ref().ok_or("no Status")?;
                ensure_eq!(status.state, Some(models::TaskState::Running));
                ensure_eq!(status.container_status.as_ref().and_then(|c| c.pid), Some(677));
                Ok(())
            }),
        case("TaskInspect", "GET", "/tasks/0kzzo1i0y4jz6027t0k7aezc7")
            .respond(MockResponse::json(200, &task_json()))
            .call(|d| async move {
                let task = d.task_inspect("0kzzo1i0y4jz6027t0k7aezc7").await.map_err(fail)?;
                ensure_eq!(task.slot, Some(1));
                ensure_eq!(task.service_id.as_deref(), Some("9mnpnzenvg8p8tdbtq4wvbkcz"));
                ensure_eq!(task.assigned_generic_resources.map(|g| g.len()), Some(1));
                Ok(())
            }),
        case("TaskLogs", "GET", "/tasks/0kzzo1i0y4jz6027t0k7aezc7/logs")
            .q("stdout", "true")
            .q("stderr", "true")
            .q("follow", "false")
            .q("tail", "10")
            .respond(MockResponse::bytes(200, "application/vnd.docker.multiplexed-stream", attach_frames()))
            .call(|d| async move {
                let options = TaskLogsOptions {
                    stdout: Some(true),
                    stderr: Some(true),
                    follow: Some(false),
                    tail: Some("10".into()),
                    ..Default::default()
                };
                let logs = d.task_logs("0kzzo1i0y4jz6027t0k7aezc7").options(options).await.map_err(fail)?;
                let (stdout, stderr) = logs.collect_output().await.map_err(fail)?;
                ensure_eq!((stdout, stderr), (b"out\n".to_vec(), b"err\n".to_vec()));
                Ok(())
            }),
    ]
}

fn plugin_cases() -> Vec<Case> {
    let plugin_tar = tar_of(&[("config.json", "{}"), ("rootfs/.keep", "")]);
    vec![
        case("PluginList", "GET", "/plugins")
            .q_json(
                "filters",
                json!({"capability": ["volumedriver"], "enable": ["true"]}),
            )
            .respond(MockResponse::json(200, &json!([plugin_json()])))
            .call(|d| async move {
                let options = PluginListOptions {
                    filters: filters(&[("capability", &["volumedriver"]), ("enable", &["true"])]),
                };
                let plugins = d.plugin_list().options(options).await.map_err(fail)?;
                ensure_eq!(plugins.len(), 1);
                ensure_eq!(plugins[0].name, "vieux/sshfs:latest");
                ensure!(plugins[0].enabled);
                ensure_eq!(plugins[0].config.interface.types.len(), 1);
                Ok(())
            }),
        case("PluginCreate", "POST", "/plugins/create")
            .q("name", "example/plugin:latest")
            .bytes_body(TAR, plugin_tar.clone())
            .respond(MockResponse::no_content())
            .call(move |d| async move {
                d.plugin_create("example/plugin:latest")
                    .tar_context(plugin_tar)
                    .await
                    .map_err(fail)
            }),
        case("GetPluginPrivileges", "GET", "/plugins/privileges")
            .q("remote", "vieux/sshfs:latest")
            .respond(MockResponse::json(200, &plugin_privileges_json()))
            .call(|d| async move {
                let privileges = d
                    .get_plugin_privileges("vieux/sshfs:latest")
                    .await
                    .map_err(fail)?;
                ensure_eq!(privileges, plugin_privileges());
                ensure_eq!(privileges[3].value, Some(strings(&["CAP_SYS_ADMIN"])));
                Ok(())
            }),
        case("PluginPull", "POST", "/plugins/pull")
            .q("remote", "vieux/sshfs:latest")
            .q("name", "sshfs")
            .header_json("X-Registry-Auth", auth_json())
            .json_body(plugin_privileges_json())
            .respond(MockResponse::no_content())
            .call(|d| async move {
                let options = PluginPullOptions {
                    name: Some("sshfs".into()),
                    x_registry_auth: Some(auth()),
                };
                d.plugin_pull("vieux/sshfs:latest")
                    .body(plugin_privileges())
                    .options(options)
                    .await
                    .map_err(fail)
            }),
        case("PluginDelete", "DELETE", "/plugins/vieux%2Fsshfs%3Alatest")
            .q("force", "true")
            .respond(MockResponse::status(200))
            .call(|d| async move {
                let options = PluginDeleteOptions { force: Some(true) };
                d.plugin_delete("vieux/sshfs:latest")
                    .options(options)
                    .await
                    .map_err(fail)
            }),
        case(
            "PluginDisable",
            "POST",
            "/plugins/vieux%2Fsshfs%3Alatest/disable",
        )
        .q("force", "true")
        .call(|d| async move {
            let options = PluginDisableOptions { force: Some(true) };
            d.plugin_disable("vieux/sshfs:latest")
                .options(options)
                .await
                .map_err(fail)
        }),
        case(
            "PluginEnable",
            "POST",
            "/plugins/vieux%2Fsshfs%3Alatest/enable",
        )
        .q("timeout", "30")
        .call(|d| async move {
            let options = PluginEnableOptions { timeout: Some(30) };
            d.plugin_enable("vieux/sshfs:latest")
                .options(options)
                .await
                .map_err(fail)
        }),
        case(
            "PluginInspect",
            "GET",
            "/plugins/vieux%2Fsshfs%3Alatest/json",
        )
        .respond(MockResponse::json(200, &plugin_json()))
        .call(|d| async move {
            let plugin = d.plugin_inspect("vieux/sshfs:latest").await.map_err(fail)?;
            ensure_eq!(plugin.config.network.r#type, "host");
            ensure_eq!(
                plugin.config.linux.capabilities,
                strings(&["CAP_SYS_ADMIN"])
            );
            ensure_eq!(plugin.config.env[0].settable, strings(&["value"]));
            ensure!(plugin.config.args.value.is_empty());
            ensure_eq!(plugin.settings.env, strings(&["DEBUG=0"]));
            Ok(())
        }),
        case("PluginPush", "POST", "/plugins/vieux%2Fsshfs%3Alatest/push")
            .respond(MockResponse::ndjson(
                &[
                    json!({"status": "The push refers to repository [docker.io/vieux/sshfs]"}),
                    json!({"status": "latest: digest: sha256:1234 size: 528"}),
                ],
                7,
            ))
            .call(|d| async move {
                let progress = items(d.plugin_push("vieux/sshfs:latest").await.map_err(fail)?).await?;
                ensure_eq!(progress.len(), 2);
                ensure_eq!(
                    progress[1].status.as_deref(),
                    Some("latest: digest: sha256:1234 size: 528")
                );
                Ok(())
            }),
        case("PluginSet", "POST", "/plugins/vieux%2Fsshfs%3Alatest/set")
            .json_body(json!(["DEBUG=1", "args=--verbose"]))
            .respond(MockResponse::no_content())
            .call(|d| async move {
                d.plugin_set("vieux/sshfs:latest")
                    .body(strings(&["DEBUG=1", "args=--verbose"]))
                    .await
                    .map_err(fail)
            }),
        case(
            "PluginUpgrade",
            "POST",
            "/plugins/vieux%2Fsshfs%3Alatest/upgrade",
        )
        .q("remote", "vieux/sshfs:next")
        .header_json("X-Registry-Auth", auth_json())
        .json_body(plugin_privileges_json())
        .respond(MockResponse::no_content())
        .call(|d| async move {
            let options = PluginUpgradeOptions {
                x_registry_auth: Some(auth()),
            };
            d.plugin_upgrade("vieux/sshfs:latest", "vieux/sshfs:next")
                .body(plugin_privileges())
                .options(options)
                .await
                .map_err(fail)
        }),
    ]
}

fn volume_cases() -> Vec<Case> {
    vec![
        case("VolumeList", "GET", "/volumes")
            .q_json("filters", json!({"dangling": ["true"], "driver": ["local"]}))
            .respond(MockResponse::json(200, &json!({"Volumes": [volume_json()], "Warnings": null})))
            .call(|d| async move {
                let options = VolumeListOptions {
                    filters: filters(&[("dangling", &["true"]), ("driver", &["local"])]),
                };
                let list = d.volume_list().options(options).await.map_err(fail)?;
                ensure_eq!(list.warnings, None);
                let volumes = list.volumes.ok_or("no Volumes")?;
                ensure_eq!(volumes[0].name, "tardis");
                ensure_eq!(volumes[0].usage_data, None);
                ensure_eq!(volumes[0].status.as_ref().map(|s| s["hello"].clone()), Some(json!("world")));
                Ok(())
            }),
        case("VolumeCreate", "POST", "/volumes/create")
            .json_body(json!({
                "Name": "tardis",
                "Driver": "local",
                "DriverOpts": {"type": "tmpfs", "device": "tmpfs", "o": "size=100m,uid=1000"},
                "Labels": {"com.example.some-label": "some-value"}
            }))
            .respond(MockResponse::json(201, &volume_json()))
            .call(|d| async move {
                let config = models::VolumeCreateOptions {
                    name: Some("tardis".into()),
                    driver: Some("local".into()),
                    driver_opts: Some(string_map(&[("type", "tmpfs"), ("device", "tmpfs"), ("o", "size=100m,uid=1000")])),
                    labels: Some(string_map(&[("com.example.some-label", "some-value")])),
                    cluster_volume_spec: None,
                };
                let volume = d.volume_create(config).await.map_err(fail)?;
                ensure_eq!(volume.options.get("o").map(String::as_str), Some("size=100m,uid=1000"));
                ensure_eq!(volume.scope, models::VolumeScope::Local);
                Ok(())
            }),
        case("VolumePrune", "POST", "/volumes/prune")
            .q_json("filters", json!({"label": ["env=test"], "all": ["true"]}))
            .respond(MockResponse::json(200, &json!({"VolumesDeleted": ["tardis"], "SpaceReclaimed": 10_920_104})))
            .call(|d| async move {
                let options = VolumePruneOptions {
                    filters: filters(&[("label", &["env=test"]), ("all", &["true"])]),
                };
                let pruned = d.volume_prune().options(options).await.map_err(fail)?;
                ensure_eq!(pruned.volumes_deleted, Some(strings(&["tardis"])));
                ensure_eq!(pruned.space_reclaimed, Some(10_920_104));
                Ok(())
            }),
        case("VolumeInspect", "GET", "/volumes/my%20vol")
            .respond(MockResponse::json(200, &json!({
                "Name": "my vol", "Driver": "local", "Mountpoint": "/var/lib/docker/volumes/my vol/_data",
                "Labels": null, "Options": null, "Scope": "global", "CreatedAt": "2023-07-01T10:00:00Z",
                "ClusterVolume": {
                    "ID": "k4hs9qrpepd7zcbhfmjq8hdfa", "Version": {"Index": 12},
                    "Spec": {"Group": "db", "AccessMode": {"Scope": "single", "Sharing": "none", "Availability": "active", "MountVolume": {}}},
                    "Info": {"CapacityBytes": 10_737_418_240i64, "VolumeID": "vol-1"},
                    "PublishStatus": [{"NodeID": "24ifsmvkjbyhk", "State": "published", "PublishContext": {}}]
                }
            })))
            .call(|d| async move {
                let volume = d.volume_inspect("my vol").await.map_err(fail)?;
                ensure_eq!(volume.name, "my vol");
                ensure!(volume.labels.is_empty());
                ensure!(volume.options.is_empty());
                ensure_eq!(volume.scope, models::VolumeScope::Global);
                let cluster = volume.cluster_volume.ok_or("no ClusterVolume")?;
                ensure_eq!(cluster.info.and_then(|i| i.capacity_bytes), Some(10_737_418_240));
                let access = cluster.spec.and_then(|s| s.access_mode).ok_or("no AccessMode")?;
                ensure_eq!(access.sharing, Some(models::ClusterVolumeSpecAccessModeSharing::None));
                ensure_eq!(
                    cluster.publish_status.map(|p| p[0].state.clone()),
                    Some(Some(models::ClusterVolumePublishStatusItemState::Published))
                );
                Ok(())
            }),
        case("VolumeUpdate", "PUT", "/volumes/donn%C3%A9es")
            .q("version", "12")
            .json_body(json!({"Spec": {"Group": "db", "AccessMode": {"Availability": "drain"}}}))
            .call(|d| async move {
                let body = models::VolumeUpdateBody {
                    spec: Some(models::ClusterVolumeSpec {
                        group: Some("db".into()),
                        access_mode: Some(models::ClusterVolumeSpecAccessMode {
                            availability: Some(models::ClusterVolumeSpecAccessModeAvailability::Drain),
                            ..Default::default()
                        }),
                    }),
                };
                d.volume_update("données", 12).body(body).await.map_err(fail)
            }),
        case("VolumeDelete", "DELETE", "/volumes/tardis")
            .q("force", "true")
            .respond(MockResponse::no_content())
            .call(|d| async move {
                d.volume_delete("tardis").options(VolumeDeleteOptions { force: Some(true) }).await.map_err(fail)
            }),
    ]
}
