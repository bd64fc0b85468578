"""The flow runs' VPC (and the worker service's)."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import StageConfig


def flow_run_vpc(scope: Construct, config: StageConfig) -> ec2.Vpc:
    """A small VPC of its own: public subnets only, no NAT gateway.

    The pool's template gives prefect-aws only `vpc_id`, and from it prefect-aws builds every
    flow run's network: *all* subnets of the VPC, `assignPublicIp: ENABLED`, the VPC's default
    security group. Private subnets would not keep runs off public IPs (they would land in the
    public subnets too) and would add NAT gateways (~32 USD/month each, one per AZ for HA) for
    nothing. Nothing can connect in: the default security group admits only its own members
    and flow runs listen on no port. Two AZs: Fargate capacity in more than one zone at no
    cost. (Private subnets become worthwhile once the pool also sets `network_configuration`:
    subnet ids + a security group.)
    """
    return ec2.Vpc(
        scope,
        "Vpc",
        vpc_name=config.name("workers"),
        ip_addresses=ec2.IpAddresses.cidr("10.40.0.0/16"),
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(
                name="public",
                subnet_type=ec2.SubnetType.PUBLIC,
                cidr_mask=20,
                # Only tasks that ask for one (RunTask assignPublicIp) get a public IP.
                map_public_ip_on_launch=False,
            )
        ],
        # Flow runs use the default security group (above): it must keep its egress
        # rule, which restricting it would remove.
        restrict_default_security_group=False,
        # Free gateway endpoints: DynamoDB and S3 traffic stays on the AWS network.
        gateway_endpoints={
            "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
            "DynamoDB": ec2.GatewayVpcEndpointOptions(
                service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
            ),
        },
        flow_logs={
            "FlowLog": ec2.FlowLogOptions(
                destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                    logs.LogGroup(
                        scope,
                        "VpcFlowLogs",
                        retention=config.log_retention,
                        removal_policy=config.removal_policy,
                    )
                ),
                # Rejected traffic is what matters for security; all traffic in prod
                # (billed per GB ingested).
                traffic_type=ec2.FlowLogTrafficType.ALL
                if config.is_prod
                else ec2.FlowLogTrafficType.REJECT,
            )
        },
    )
