"""`python -m credit_ocr` is the same as the `credit-ocr` command."""

from credit_ocr.faces.cli import main

if __name__ == "__main__":
    main()
