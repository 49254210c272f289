from rtlog.cli import main

main()
