"""Numbers for owners and managers: points issued/redeemed/expired, liability, members."""
