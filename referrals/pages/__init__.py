"""The referral pages: the care manager workspace (/app/) and the partner inbox (/partner/)."""
