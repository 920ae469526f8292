from gazette.cli import main

main()
