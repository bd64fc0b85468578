"""The support product's vector index on AWS: a Qdrant server (``qdrant/qdrant``, pinned tag) as
an ECS Fargate service in the platform's flow-run VPC and cluster (Workers stack).

- **Storage: an ECS-managed EBS volume (gp3, encrypted with the support key) at
  ``/qdrant/storage``, not EFS.** Qdrant's installation requirements: "Qdrant requires
  block-level access to storage devices with a POSIX-compatible file system ... Qdrant won't
  work with Network file systems such as NFS" - and EFS is NFS. A service-managed EBS volume
  lives as long as its task: a replaced task (deploy, crash, scale) starts with an empty
  index, so the support code must be able to re-index approved documents (their chunks are in
  the support table) - see the module :mod:`stacks.support` docstring.
- **Network:** the VPC has public subnets only and no NAT (see the Workers stack's VPC): the
  task gets a public IP to pull the image, and its security group admits only TCP 6333 from
  the flow runs (the VPC's default security group, which prefect-aws gives every flow run)
  and from the support chat function's security group. Nothing else can connect.
- **Name:** Cloud Map private DNS ``qdrant.<namespace>``; :attr:`QdrantService.url` is the
  ``MANGAFLOW_QDRANT_URL`` (plain HTTP inside the VPC, the API key on every request).
- **Key:** a generated Secrets Manager secret (the support key), injected by ECS as
  ``QDRANT__SERVICE__API_KEY``; clients read it by ARN (``MANGAFLOW_QDRANT_API_KEY``).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_servicediscovery as servicediscovery
from constructs import Construct

from stacks.config import StageConfig
from stacks.nag import acknowledge, managed_policy_finding
from stacks.platform.workers import WorkersStack

#: The Qdrant server image, pinned to the version of the ``qdrant-client`` the code uses.
QDRANT_IMAGE = "qdrant/qdrant:v1.20.0"
QDRANT_PORT = 6333
STORAGE_PATH = "/qdrant/storage"
STORAGE_GIB = 20
SERVICE_NAME = "qdrant"


def namespace_name(config: StageConfig) -> str:
    return f"support.{config.name('internal')}"


class QdrantService(Construct):
    """:attr:`service`, :attr:`security_group`, :attr:`api_key` (secret), :attr:`url`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        workers: WorkersStack,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        vpc = workers.vpc
        self.api_key = secretsmanager.Secret(
            self,
            "ApiKey",
            secret_name=config.name("support-qdrant-api-key"),
            description="The API key of the support Qdrant server (generated; QDRANT__SERVICE__"
            "API_KEY of the server, MANGAFLOW_QDRANT_API_KEY of its clients).",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=48
            ),
            removal_policy=config.removal_policy,
        )
        acknowledge(
            self.api_key,
            "AwsSolutions-SMG4",
            "Qdrant reads its API key once at start-up and has no rotation hook; rotate by "
            "putting a new value and restarting the service (clients read it by ARN).",
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Support Qdrant: TCP 6333 from flow runs and the support chat only",
            allow_all_outbound=True,  # image pulls (Docker Hub) and nothing else listens
        )
        self.security_group.add_ingress_rule(
            ec2.Peer.security_group_id(vpc.vpc_default_security_group),
            ec2.Port.tcp(QDRANT_PORT),
            "flow runs (prefect-aws gives them the VPC's default security group)",
        )
        self.namespace = servicediscovery.PrivateDnsNamespace(
            self,
            "Namespace",
            name=namespace_name(config),
            vpc=vpc,
            description=f"MangaFlow {config.stage} support: private names in the workers' VPC",
        )
        self.url = f"http://{SERVICE_NAME}.{namespace_name(config)}:{QDRANT_PORT}"

        task = ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=1024,
            memory_limit_mib=4096,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        logs_group = logs.LogGroup(
            self,
            "Logs",
            retention=config.log_retention,
            encryption_key=key,
            removal_policy=config.removal_policy,
        )
        container = task.add_container(
            "qdrant",
            image=ecs.ContainerImage.from_registry(QDRANT_IMAGE),
            port_mappings=[ecs.PortMapping(container_port=QDRANT_PORT)],
            secrets={"QDRANT__SERVICE__API_KEY": ecs.Secret.from_secrets_manager(self.api_key)},
            environment={"QDRANT__TELEMETRY_DISABLED": "true"},
            logging=ecs.LogDrivers.aws_logs(stream_prefix="qdrant", log_group=logs_group),
        )
        acknowledge(
            task,
            "AwsSolutions-ECS2",
            "The only plain environment variable turns Qdrant's telemetry off; the API key "
            "comes from Secrets Manager (`secrets`).",
        )
        volume_role = iam.Role(
            self,
            "VolumeRole",
            assumed_by=iam.ServicePrincipal("ecs.amazonaws.com"),
            description="ECS creates and attaches the support Qdrant's EBS volume.",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonECSInfrastructureRolePolicyForVolumes"
                )
            ],
        )
        acknowledge(
            volume_role,
            managed_policy_finding("service-role/AmazonECSInfrastructureRolePolicyForVolumes"),
            "The ECS infrastructure policy for volumes: it creates, attaches and deletes only "
            "EBS volumes tagged as ECS-managed; AWS maintains it with the ECS volume feature.",
        )
        key.grant(volume_role, "kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext",
                  "kms:ReEncrypt*", "kms:DescribeKey", "kms:Decrypt")  # fmt: skip
        acknowledge(
            volume_role,
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
            "EBS re-encrypts the volume's data keys with the support key only (one key ARN).",
        )
        self.volume = ecs.ServiceManagedVolume(
            self,
            "Storage",
            name="storage",
            managed_ebs_volume=ecs.ServiceManagedEBSVolumeConfiguration(
                size=cdk.Size.gibibytes(STORAGE_GIB),
                volume_type=ec2.EbsDeviceVolumeType.GP3,
                file_system_type=ecs.FileSystemType.EXT4,
                encrypted=True,
                kms_key_id=key,
                role=volume_role,
            ),
        )
        self.volume.mount_in(container, container_path=STORAGE_PATH, read_only=False)
        task.add_volume(name="storage", configured_at_launch=True)

        self.service = ecs.FargateService(
            self,
            "Service",
            service_name=config.name("support-qdrant"),
            cluster=workers.cluster,
            task_definition=task,
            desired_count=1,
            # One writer: the old task stops before the new one starts (a fresh volume each).
            min_healthy_percent=0,
            max_healthy_percent=100,
            # Public subnet + public IP to pull the image (no NAT in the workers' VPC).
            assign_public_ip=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_groups=[self.security_group],
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            cloud_map_options=ecs.CloudMapOptions(
                cloud_map_namespace=self.namespace,
                name=SERVICE_NAME,
                dns_record_type=servicediscovery.DnsRecordType.A,
                dns_ttl=cdk.Duration.seconds(10),
            ),
        )
        self.service.add_volume(self.volume)

    def allow_from(self, peer: ec2.ISecurityGroup, description: str) -> None:
        self.security_group.add_ingress_rule(peer, ec2.Port.tcp(QDRANT_PORT), description)
