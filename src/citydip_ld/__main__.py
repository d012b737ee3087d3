"""`python -m citydip_ld`: the same command line as `citydip-ld`."""

from citydip_ld.cli import main

if __name__ == "__main__":
    main(prog_name="citydip-ld")
