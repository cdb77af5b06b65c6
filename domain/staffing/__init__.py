"""Staffing (人员变动): withdrawing roles and handing a branch over (换届), across org and forms in progress."""
