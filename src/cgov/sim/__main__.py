from cgov.sim.files import main

main()
